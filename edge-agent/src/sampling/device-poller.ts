import type { Logger } from 'pino';
import { isReadable, type PointValue, type ProfilePoint, type Reading } from '@afferent/device-profiles';
import { DriverError, type DeviceSession, type DeviceTarget } from '../drivers/driver.js';
import { Normaliser } from './normaliser.js';

/** A failing device is retried at interval × 2^failures, at most this often apart (unless its interval is longer). */
export const MAX_BACKOFF_MS = 30_000;

/** What the poller tells the rest of the agent (health, metrics) about each read. */
export interface PollObserver {
  readSucceeded(device: string, t: number, latencyMs: number): void;
  /** The whole read failed: unreachable or no answer. */
  readFailed(device: string, error: DriverError): void;
  /** One point failed: a device exception, or data that would not decode (`kind` 'decode'). */
  pointFailed(device: string, point: string, kind: string, message: string): void;
  reported(device: string, readings: readonly Reading[]): void;
}

/** Where every sample and failed poll goes for pre-alert (the alarm engine). */
export interface SampleListener {
  sample(device: string, t: number, values: Readonly<Record<string, PointValue>>): void;
  failure(device: string, t: number): void;
}

export interface PollerOptions {
  target: DeviceTarget;
  session: DeviceSession;
  intervalMs: number;
  heartbeatMs: number;
  /** Where readings go (the batcher). */
  emit(reading: Reading): void;
  observer: PollObserver;
  alarms?: SampleListener;
  log?: Logger;
}

/**
 * Polls one device on its own timer: read every readable point, normalise,
 * emit. A failing device backs off and recovers by itself. Nothing here
 * throws or rejects into the event loop: every failure is observed.
 */
export class DevicePoller {
  private readonly points: readonly ProfilePoint[];
  private readonly normaliser: Normaliser;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private failures = 0;
  private stopped = false;

  constructor(private readonly options: PollerOptions) {
    this.points = options.target.profile.points.filter(isReadable);
    this.normaliser = new Normaliser(options.target, options.heartbeatMs);
  }

  get device(): string {
    return this.options.target.instance.id;
  }

  start(): void {
    this.schedule(0);
  }

  /** Stop polling; resolves when a read in progress has finished and its readings are emitted. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.current = this.poll();
    }, delayMs);
  }

  private async poll(): Promise<void> {
    const { intervalMs } = this.options;
    const started = Date.now();
    let next = intervalMs;
    try {
      const results = await this.options.session.read(this.points);
      this.failures = 0;
      this.process(started, Date.now() - started, results);
      next = Math.max(0, started + intervalMs - Date.now());
    } catch (error) {
      this.failures++;
      next = Math.max(intervalMs, Math.min(intervalMs * 2 ** this.failures, MAX_BACKOFF_MS));
      const failure = error instanceof DriverError ? error : new DriverError('protocol', `${this.device}: ${String((error as Error)?.message ?? error)}`);
      this.observe(() => this.options.observer.readFailed(this.device, failure));
      this.observe(() => this.options.alarms?.failure(this.device, started));
    }
    this.schedule(next);
  }

  private process(t: number, latencyMs: number, results: Awaited<ReturnType<DeviceSession['read']>>): void {
    const { observer, alarms } = this.options;
    let values: Record<string, PointValue> = {};
    this.observe(() => {
      observer.readSucceeded(this.device, t, latencyMs);
      for (const [point, result] of results) {
        if ('error' in result) observer.pointFailed(this.device, point, result.error.kind, result.error.message);
      }
      const sample = this.normaliser.normalise(t, results);
      values = sample.values;
      for (const { point, message } of sample.decodeErrors) observer.pointFailed(this.device, point, 'decode', message);
      for (const reading of sample.readings) this.options.emit(reading);
      if (sample.readings.length > 0) observer.reported(this.device, sample.readings);
    });
    // Alarms see every value read, before the deadband; a sample where nothing decoded tells them nothing.
    if (Object.keys(values).length > 0) this.observe(() => alarms?.sample(this.device, t, values));
  }

  /** A fault in the agent's own bookkeeping is logged, never allowed to stop the poller. */
  private observe(run: () => void): void {
    try {
      run();
    } catch (error) {
      this.options.log?.error({ err: error, device: this.device }, 'processing a sample failed');
    }
  }
}
