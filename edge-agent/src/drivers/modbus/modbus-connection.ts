import type { Logger } from 'pino';
import { DriverError } from '../driver.js';
import { ReconnectBackoff } from '../reconnect-backoff.js';
import { GATEWAY_EXCEPTIONS, toDriverError } from './modbus-errors.js';
import { UnitRequests, type ModbusClient, type RequestPacer } from './modbus-requests.js';
import type { ModbusTransport } from './modbus-transport.js';
import { UnitQuarantine, type QuarantinePolicy } from './unit-quarantine.js';

/** First wait after a failed connect; doubles per failure up to the maximum. */
export const RECONNECT_MIN_MS = 200;
export const RECONNECT_MAX_MS = 10_000;
/** A line on which nothing answers any more is probably half-open (TCP) or unplugged: start a fresh one. */
const TIMEOUTS_BEFORE_RECONNECT = 3;

/** One open client, and a way to fail whatever is waiting on it when it goes. */
interface Link {
  readonly client: ModbusClient;
  readonly pacer: RequestPacer | undefined;
  /**
   * Run one exchange, failing it at once if the line is lost meanwhile:
   * a pending request must not wait for its timeout.
   */
  guard<T>(exchange: Promise<T>): Promise<T>;
  lose(error: DriverError): void;
}

export interface ModbusConnectionOptions {
  log?: Logger;
  /** null: never quarantine (a bus scan expects silent unit ids). */
  quarantine?: QuarantinePolicy | null;
}

/**
 * One Modbus line: a TCP connection to host:port or a serial port, shared by
 * every unit on it (behind a gateway, or on the bus). Requests are serialised
 * on it, as a bus carries one at a time. After a failure it reconnects on the
 * next request, waiting RECONNECT_MIN_MS…RECONNECT_MAX_MS between failed
 * attempts; while it waits, requests fail at once rather than pile up. A unit
 * that stops answering is quarantined (UnitQuarantine) so that the others
 * keep their pace. A dead line costs only its own queue.
 */
export class ModbusConnection {
  readonly url: string;
  private link: Link | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly backoff = new ReconnectBackoff(RECONNECT_MIN_MS, RECONNECT_MAX_MS);
  private timeoutsInARow = 0;
  private closed = false;
  /** The last client being released: close() waits for it, so the port is free when it resolves. */
  private releasing: Promise<void> = Promise.resolve();
  private readonly quarantine: UnitQuarantine | undefined;
  private readonly log: Logger | undefined;

  constructor(
    private readonly transport: ModbusTransport,
    options: ModbusConnectionOptions = {},
  ) {
    this.url = transport.url;
    this.log = options.log;
    this.quarantine = options.quarantine === null ? undefined : new UnitQuarantine(options.quarantine);
  }

  /**
   * Run one exchange with one unit (one or more requests that belong
   * together, like a read-modify-write) after every exchange queued before
   * it. Each request waits at most `timeoutMs` for its answer. Rejects with a
   * DriverError.
   */
  run<T>(unitId: number, timeoutMs: number, exchange: (unit: UnitRequests) => Promise<T>): Promise<T> {
    const result = this.queue.then(() => this.exchange(unitId, timeoutMs, exchange));
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Units that are quarantined right now. */
  quarantined(): number[] {
    return this.quarantine?.quarantined() ?? [];
  }

  /** Close the line; queued and later exchanges fail as unreachable. */
  async close(): Promise<void> {
    this.closed = true;
    this.drop(new DriverError('unreachable', `${this.url}: connection closed by the agent`));
    await this.queue;
    await this.releasing;
  }

  private async exchange<T>(unitId: number, timeoutMs: number, exchange: (unit: UnitRequests) => Promise<T>): Promise<T> {
    // Checked when the exchange's turn comes, so that requests queued behind the one that started a quarantine skip the line too.
    const held = this.quarantine?.check(unitId);
    if (held) {
      throw new DriverError('unreachable', `${this.url}: unit ${unitId} is not answering (${held.unanswered} requests unanswered); quarantined, next try in ${seconds(held.retryInMs)}`);
    }
    const link = await this.connect(timeoutMs);
    link.client.setTimeout(timeoutMs);
    try {
      const value = await link.guard(exchange(new UnitRequests(link.client, unitId, link.pacer)));
      this.timeoutsInARow = 0;
      this.quarantine?.answered(unitId);
      return value;
    } catch (raw) {
      const error = toDriverError(raw, this.url);
      if (error.kind === 'timeout') this.timeoutsInARow++;
      else if (error.kind === 'device') this.timeoutsInARow = 0;
      // A gateway's 0A/0B says the unit behind it is silent, after the gateway waited out its own timeout on the bus.
      const silent = error.kind === 'timeout' || (typeof error.code === 'number' && GATEWAY_EXCEPTIONS.has(error.code));
      if (silent) this.quarantine?.unanswered(unitId);
      else if (error.kind === 'device' || error.kind === 'protocol') this.quarantine?.answered(unitId);
      // The line itself is gone (not a gateway's word about one unit behind it), or its framing is lost.
      const lineLost = error.kind === 'unreachable' && error.code === undefined;
      const garbled = error.kind === 'protocol' && this.transport.garbleLosesStream;
      if (lineLost || garbled || this.timeoutsInARow >= TIMEOUTS_BEFORE_RECONNECT) this.drop(error);
      throw error;
    }
  }

  private async connect(timeoutMs: number): Promise<Link> {
    if (this.closed) throw new DriverError('unreachable', `${this.url}: connection closed by the agent`);
    if (this.link) return this.link;
    if (this.backoff.waitMs() > 0) throw new DriverError('unreachable', `${this.url}: unreachable (${this.backoff.describe()})`);
    let client: ModbusClient;
    try {
      client = await this.transport.open(timeoutMs);
    } catch (raw) {
      const error = toDriverError(raw, this.url);
      this.backoff.failed(error.message.replace(`${this.url}: `, ''));
      throw new DriverError('unreachable', error.message);
    }
    if (this.closed) {
      await this.transport.close(client);
      throw new DriverError('unreachable', `${this.url}: connection closed by the agent`);
    }
    if (this.backoff.failedAttempts > 0) this.log?.info({ url: this.url, after: this.backoff.failedAttempts }, 'modbus connection restored');
    this.backoff.succeeded();
    this.timeoutsInARow = 0;
    const link = newLink(client, this.transport.pacer?.(client));
    client.on('close', () => {
      if (this.link === link) this.link = undefined;
      link.lose(new DriverError('unreachable', `${this.url}: ${this.transport.closedBy}`));
    });
    this.link = link;
    return link;
  }

  private drop(error: DriverError): void {
    const link = this.link;
    if (!link) return;
    this.link = undefined;
    link.lose(error);
    this.releasing = this.transport.close(link.client);
  }
}

function seconds(ms: number): string {
  return `${Math.ceil(ms / 100) / 10}s`;
}

/**
 * Not `Promise.race` against one long-lived "lost" promise: every race would
 * leave a reaction on it for the life of the line (a thousand requests a
 * second, a thousand leaked closures a second). Each exchange registers its
 * own failure callback and removes it when it settles.
 */
function newLink(client: ModbusClient, pacer: RequestPacer | undefined): Link {
  const waiting = new Set<(error: DriverError) => void>();
  let lostWith: DriverError | undefined;
  return {
    client,
    pacer,
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
