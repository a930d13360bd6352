import type { Logger } from 'pino';
import { ModbusRTU, type ModbusClient, type RequestPacer } from './modbus-requests.js';

/**
 * What differs between Modbus TCP and Modbus RTU for the driver: how a
 * client is opened and closed, and how requests are paced on it. Queueing,
 * reconnecting, quarantine, block reads and writes are the same
 * (ModbusConnection, ModbusSession).
 */
export interface ModbusTransport {
  /** `tcp://host:port` or `rtu:/dev/…`: names the line in every message. */
  readonly url: string;
  /** Open a client; rejects with the reason. `timeoutMs` bounds a TCP connect. */
  open(timeoutMs: number): Promise<ModbusClient>;
  /** Release a client; resolves when it is released (a serial port's lock too), never rejects. */
  close(client: ModbusClient): Promise<void>;
  /** Pacing of the requests on one open client (RTU: the silence between frames). */
  pacer?(client: ModbusClient): RequestPacer;
  /**
   * Whether a garbled answer loses the whole stream. On TCP the framing of
   * everything after it is lost, so the connection starts afresh; on a serial
   * line the next frame starts after a silence, so only that answer is lost.
   */
  readonly garbleLosesStream: boolean;
  /** What it means when the client closes on its own. */
  readonly closedBy: string;
}

/** Listen for modbus-serial's re-emitted port and socket errors: unheard, they would kill the process. */
export function newClient(url: string, log?: Logger): ModbusClient {
  const client = new ModbusRTU();
  client.on('error', (error) => log?.debug({ url, err: error }, 'modbus line error'));
  return client;
}

export function tcpTransport(host: string, port: number, log?: Logger): ModbusTransport {
  const url = `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    garbleLosesStream: true,
    closedBy: 'connection closed by the device',
    async open(timeoutMs) {
      const client = newClient(url, log);
      // Also bounds the TCP connect: modbus-serial passes it to the socket.
      client.setTimeout(timeoutMs);
      try {
        await client.connectTCP(host, { port });
      } catch (error) {
        client.destroy(() => undefined);
        throw error;
      }
      return client;
    },
    async close(client) {
      await new Promise<void>((resolve) => client.destroy(() => resolve()));
    },
  };
}
