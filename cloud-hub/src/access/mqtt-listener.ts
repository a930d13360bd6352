import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import type { Logger } from '../logging/logger.js';
import type { MqttAuth } from './mqtt-auth.js';

export interface MqttListener {
  broker: Aedes;
  /** The port actually bound (useful when 0 was asked for). */
  port: number;
  close(): Promise<void>;
}

/**
 * The embedded aedes broker on a plain TCP listener (TLS and WebSocket
 * listeners come later and will share the same broker). MQTT 3.1.1 only.
 */
export async function startMqttListener(options: { host: string; port: number; auth: MqttAuth; logger: Logger }): Promise<MqttListener> {
  const { auth, logger } = options;
  const broker = await Aedes.createBroker({
    preConnect: auth.preConnect,
    authenticate: auth.authenticate,
    authorizePublish: auth.authorizePublish,
    authorizeSubscribe: auth.authorizeSubscribe,
  });
  // Refusals are logged where they are decided; these are protocol and socket errors.
  broker.on('clientError', (client, error) => logger.debug({ clientId: client.id, err: error.message }, 'MQTT client error'));
  broker.on('connectionError', (client, error) => logger.debug({ clientId: client.id, err: error.message }, 'MQTT connection error'));

  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    // MQTT sends small packets back and forth (a publish, its PUBACK, the next publish): without this,
    // Nagle's algorithm and the peer's delayed ACK hold some of them for 40 ms.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await new Promise<void>((resolve) => broker.close(resolve));
    throw error;
  }
  server.on('error', (error) => logger.error({ err: error }, 'MQTT listener error'));

  return {
    broker,
    port: (server.address() as AddressInfo).port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(resolve));
      // Sockets that never completed CONNECT are not aedes clients yet: end them too.
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
