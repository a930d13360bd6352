import { DriverError } from '../driver.js';
import { ReconnectBackoff } from '../reconnect-backoff.js';
import type { CoapClient, CoapObservation, CoapReply } from './coap-client.js';

export interface ObservationHandlers {
  /** A 2.05 representation: the registration's answer or a notification. */
  value(reply: CoapReply): void;
  alive(t: number): void;
  /** The server did not answer the registration: the device is down. */
  lost(error: DriverError): void;
  /** The server answered with an error (and so ended the observation). */
  refused(error: DriverError): void;
}

export interface ObservationSettings {
  timeoutMs: number;
  /** Re-register after this much silence at most, even if Max-Age allows longer: the agent's heartbeat. */
  refreshMs: number;
}

/**
 * One observed resource (RFC 7641) that keeps itself registered. A server
 * that restarted forgot its observers and says nothing, so silence longer
 * than the representation's Max-Age (or the agent's heartbeat, if shorter)
 * means: register again. A registration that fails or is refused is retried
 * with backoff until it holds.
 */
export class PathObservation {
  private current: CoapObservation | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly backoff = new ReconnectBackoff(500, 30_000);
  private stopped = false;

  constructor(
    private readonly client: CoapClient,
    private readonly url: URL,
    readonly path: string,
    private readonly settings: ObservationSettings,
    private readonly handlers: ObservationHandlers,
  ) {}

  /** The first registration; resolves when it is over, whatever its outcome. */
  start(): Promise<void> {
    return this.register();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.current?.close();
    this.current = undefined;
  }

  private async register(): Promise<void> {
    if (this.stopped) return;
    let observation: CoapObservation;
    try {
      observation = await this.client.observe(this.url, this.path, this.settings.timeoutMs, (reply) => this.notified(observation, reply));
    } catch (error) {
      this.handlers.lost(error as DriverError);
      this.retry(error as DriverError);
      return;
    }
    if (this.stopped) {
      observation.close();
      return;
    }
    // The new registration replaces the old one (same server, or its restarted self).
    this.current?.close();
    this.current = observation;
    this.notified(observation, observation.first);
  }

  private notified(observation: CoapObservation, reply: CoapReply): void {
    if (this.stopped || observation !== this.current) return;
    if (!reply.code.startsWith('2.')) {
      this.current = undefined;
      observation.close();
      const error = new DriverError('device', `${reply.code}${reply.payload.length > 0 ? ` ${reply.payload.toString('utf8')}` : ''}`, reply.code);
      this.handlers.refused(error);
      this.retry(error);
      return;
    }
    this.backoff.succeeded();
    this.handlers.alive(Date.now());
    this.handlers.value(reply);
    this.refreshAfter(Math.min(reply.maxAgeMs, this.settings.refreshMs));
  }

  private refreshAfter(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.register(), ms);
  }

  private retry(error: DriverError): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.register(), this.backoff.failed(error.message));
  }
}
