import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes } from 'aedes';
import type { Logger } from '../logging/logger.js';
import type { MqttAuth } from './mqtt-auth.js';

export interface MqttListener {
  broker: Aedes;
  /** The ports actually bound (useful when 0 was asked for): plain MQTT and MQTT over TLS, whichever run. */
  ports: { plain?: number; tls?: number };
  close(): Promise<void>;
}

export interface MqttListenerOptions {
  host: string;
  /** Plain MQTT on this port; absent: no plain listener. */
  plainPort?: number;
  /** MQTT over TLS; absent: no TLS listener. */
  tls?: { port: number; key: string; cert: string };
  auth: MqttAuth;
  logger: Logger;
}

/**
 * The embedded aedes broker on its listeners (plain TCP, TLS, or both: one
 * broker, so a gateway is the same gateway whichever it uses). MQTT 3.1.1 only.
 */
export async function startMqttListener(options: MqttListenerOptions): Promise<MqttListener> {
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
  const handle = (socket: Socket) => {
    // MQTT sends small packets back and forth (a publish, its PUBACK, the next publish): without this,
    // Nagle's algorithm and the peer's delayed ACK hold some of them for 40 ms.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  };
  const servers: Server[] = [];
  const ports: MqttListener['ports'] = {};
  try {
    if (options.plainPort !== undefined) ports.plain = await listen(servers, createServer(handle), options.plainPort, options.host);
    if (options.tls) {
      const server = createTlsServer({ key: options.tls.key, cert: options.tls.cert }, handle);
      // A client that does not trust our certificate, or does not speak TLS: its problem, logged at debug.
      server.on('tlsClientError', (error) => logger.debug({ err: error.message }, 'MQTT TLS handshake failed'));
      ports.tls = await listen(servers, server, options.tls.port, options.host);
    }
  } catch (error) {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    await new Promise<void>((resolve) => broker.close(resolve));
    throw error;
  }
  for (const server of servers) server.on('error', (error) => logger.error({ err: error }, 'MQTT listener error'));
  return {
    broker,
    ports,
    async close() {
      const closed = Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
      await new Promise<void>((resolve) => broker.close(resolve));
      // Sockets that never completed CONNECT are not aedes clients yet: end them too.
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

async function listen(servers: Server[], server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  servers.push(server);
  return (server.address() as AddressInfo).port;
}
