import type { Logger } from 'pino';
import { DriverError } from '../driver.js';
import { toDriverError } from './modbus-errors.js';
import { ModbusRTU, type ModbusClient } from './modbus-requests.js';

/** First wait after a failed connect; doubles per failure up to the maximum. */
export const RECONNECT_MIN_MS = 200;
export const RECONNECT_MAX_MS = 10_000;
/** A connection whose device stopped answering altogether is probably half-open: start a fresh one. */
const TIMEOUTS_BEFORE_RECONNECT = 3;

/** One open TCP connection, and a way to fail whatever is waiting on it when it goes. */
interface Link {
  readonly client: ModbusClient;
  /**
   * Run one exchange, failing it at once if the connection is lost meanwhile:
   * a pending request must not wait for its timeout.
   */
  guard<T>(exchange: Promise<T>): Promise<T>;
  lose(error: DriverError): void;
}

/**
 * One Modbus TCP connection to host:port, shared by every unit behind it (a
 * serial gateway serves many). Requests are serialised on it, as the bus
 * behind a gateway can only carry one at a time. After a failure it
 * reconnects on the next request, waiting RECONNECT_MIN_MS…RECONNECT_MAX_MS
 * between failed attempts; while it waits, requests fail at once rather than
 * pile up. A dead device costs only its own connection's queue.
 */
export class ModbusConnection {
  readonly url: string;
  private link: Link | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private connectFailures = 0;
  private retryAt = 0;
  private lastConnectError = '';
  private timeoutsInARow = 0;
  private closed = false;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly log?: Logger,
  ) {
    this.url = `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  /**
   * Run one exchange (one or more requests that belong together, like a
   * read-modify-write) after every exchange queued before it. Each request
   * waits at most `timeoutMs` for its answer. Rejects with a DriverError.
   */
  run<T>(timeoutMs: number, exchange: (client: ModbusClient) => Promise<T>): Promise<T> {
    const result = this.queue.then(() => this.exchange(timeoutMs, exchange));
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Close the connection; queued and later exchanges fail as unreachable. */
  async close(): Promise<void> {
    this.closed = true;
    this.drop(new DriverError('unreachable', `${this.url}: connection closed by the agent`));
    await this.queue;
  }

  private async exchange<T>(timeoutMs: number, exchange: (client: ModbusClient) => Promise<T>): Promise<T> {
    const link = await this.connect(timeoutMs);
    link.client.setTimeout(timeoutMs);
    try {
      const value = await link.guard(exchange(link.client));
      this.timeoutsInARow = 0;
      return value;
    } catch (raw) {
      const error = toDriverError(raw, this.url);
      if (error.kind === 'timeout') this.timeoutsInARow++;
      else if (error.kind === 'device') this.timeoutsInARow = 0;
      // A garbled stream cannot be resynchronised and a lost one is gone: start afresh next time.
      if (error.kind === 'unreachable' || error.kind === 'protocol' || this.timeoutsInARow >= TIMEOUTS_BEFORE_RECONNECT) {
        this.drop(error);
      }
      throw error;
    }
  }

  private async connect(timeoutMs: number): Promise<Link> {
    if (this.closed) throw new DriverError('unreachable', `${this.url}: connection closed by the agent`);
    if (this.link) return this.link;
    const wait = this.retryAt - Date.now();
    if (wait > 0) {
      throw new DriverError('unreachable', `${this.url}: unreachable (${this.lastConnectError}); next attempt in ${Math.ceil(wait / 100) / 10}s`);
    }
    const client = new ModbusRTU();
    // modbus-serial re-emits socket errors; without a listener they would kill the process.
    client.on('error', (error) => this.log?.debug({ url: this.url, err: error }, 'modbus socket error'));
    // Also bounds the TCP connect: modbus-serial passes it to the socket.
    client.setTimeout(timeoutMs);
    try {
      await client.connectTCP(this.host, { port: this.port });
    } catch (raw) {
      client.destroy(() => undefined);
      const error = toDriverError(raw, this.url);
      this.connectFailures++;
      this.retryAt = Date.now() + Math.min(RECONNECT_MIN_MS * 2 ** (this.connectFailures - 1), RECONNECT_MAX_MS);
      this.lastConnectError = error.message.replace(`${this.url}: `, '');
      throw new DriverError('unreachable', error.message);
    }
    if (this.connectFailures > 0) this.log?.info({ url: this.url, after: this.connectFailures }, 'modbus connection restored');
    this.connectFailures = 0;
    this.timeoutsInARow = 0;
    const link = newLink(client);
    client.on('close', () => {
      if (this.link === link) this.link = undefined;
      link.lose(new DriverError('unreachable', `${this.url}: connection closed by the device`));
    });
    this.link = link;
    return link;
  }

  private drop(error: DriverError): void {
    const link = this.link;
    if (!link) return;
    this.link = undefined;
    link.lose(error);
    link.client.destroy(() => undefined);
  }
}

/**
 * Not `Promise.race` against one long-lived "lost" promise: every race would
 * leave a reaction on it for the life of the connection (a thousand requests a
 * second, a thousand leaked closures a second). Each exchange registers its
 * own failure callback and removes it when it settles.
 */
function newLink(client: ModbusClient): Link {
  const waiting = new Set<(error: DriverError) => void>();
  let lostWith: DriverError | undefined;
  return {
    client,
    guard<T>(exchange: Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        if (lostWith) {
          exchange.catch(() => undefined);
          reject(lostWith);
          return;
        }
        waiting.add(reject);
        exchange.then(resolve, reject).finally(() => waiting.delete(reject));
      });
    },
    lose(error: DriverError): void {
      lostWith ??= error;
      for (const reject of waiting) reject(error);
      waiting.clear();
    },
  };
}
