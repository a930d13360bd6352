import type { Logger } from 'pino';
import { isReadable, type PointValue, type ProfilePoint, type Reading } from '@afferent/device-profiles';
import { DriverError, type DeviceSession, type DeviceTarget, type RawReadResult } from '../drivers/driver.js';
import { Normaliser } from './normaliser.js';
import { PushBuffer } from './push-buffer.js';

/** A failing device is retried at interval × 2^failures, at most this often apart (unless its interval is longer). */
export const MAX_BACKOFF_MS = 30_000;

/** What the poller tells the rest of the agent (health, metrics) about each read. */
export interface PollObserver {
  readSucceeded(device: string, t: number, latencyMs: number): void;
  /** The device's subscription is in force (a keep-alive, a notification): it is reachable, with no latency to tell. */
  pushAlive?(device: string, t: number): void;
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
 * Samples one device. Where the driver pushes (`subscribe`), the points it
 * pushes arrive by subscription and only the others are polled; pushed
 * values go through the same normaliser, alarms and batcher. Polling runs
 * on the device's own timer, which also re-reports pushed points at the
 * heartbeat. A failing device backs off and recovers by itself. Nothing
 * here throws or rejects into the event loop: every failure is observed.
 */
export class DevicePoller {
  private readonly polled: readonly ProfilePoint[];
  private readonly pushed: readonly ProfilePoint[];
  private readonly normaliser: Normaliser;
  private readonly buffer: PushBuffer;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;
  private subscribing: Promise<void> | undefined;
  /** Pushed points arrive by subscription (unless the driver refused it: then they are polled). */
  private pushing = false;
  private pushAlive = false;
  private failures = 0;
  private stopped = false;

  constructor(private readonly options: PollerOptions) {
    const { session, target } = options;
    const readable = target.profile.points.filter(isReadable);
    this.pushed = session.subscribe ? readable.filter((p) => session.pushes?.(p) ?? true) : [];
    this.polled = readable.filter((p) => !this.pushed.includes(p));
    this.normaliser = new Normaliser(target, options.heartbeatMs);
    this.buffer = new PushBuffer((t, results) => this.process(t, results));
  }

  get device(): string {
    return this.options.target.instance.id;
  }

  start(): void {
    this.pushing = this.pushed.length > 0;
    if (this.pushing) this.subscribing = this.subscribe();
    this.schedule(0);
  }

  /** Stop sampling; resolves when a read in progress has finished and every reading is emitted. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
    await this.subscribing;
    await this.unsubscribe?.().catch(() => undefined);
    this.buffer.flush();
  }

  private async subscribe(): Promise<void> {
    const { session, observer, alarms } = this.options;
    try {
      this.unsubscribe = await session.subscribe!(this.pushed, (point, raw, t) => this.buffer.add(point, raw, t), {
        alive: (t) => {
          this.pushAlive = true;
          this.observe(() => observer.pushAlive?.(this.device, t));
        },
        lost: (error) => {
          this.pushAlive = false;
          this.observe(() => observer.readFailed(this.device, error));
          this.observe(() => alarms?.failure(this.device, Date.now()));
        },
        pointFailed: (point, error) => this.observe(() => observer.pointFailed(this.device, point, error.kind, error.message)),
      });
      if (this.stopped) await this.unsubscribe();
    } catch (error) {
      // The drivers heal their own subscriptions; one that refuses outright is a fault worth a log line.
      this.options.log?.error({ err: (error as Error).message, device: this.device }, 'subscription refused: pushed points are polled instead');
      this.pushing = false;
    }
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
    // Pushed points are re-reported at the heartbeat from what was last heard, while the subscription holds.
    if (this.pushAlive && this.normaliser.heartbeatDue(started)) this.process(started, this.buffer.latestResults());
    const points = this.pushing ? this.polled : [...this.polled, ...this.pushed];
    if (points.length > 0) {
      try {
        const results = await this.options.session.read(points);
        this.failures = 0;
        this.observe(() => this.options.observer.readSucceeded(this.device, started, Date.now() - started));
        this.process(started, results);
        next = Math.max(0, started + intervalMs - Date.now());
      } catch (error) {
        this.failures++;
        next = Math.max(intervalMs, Math.min(intervalMs * 2 ** this.failures, MAX_BACKOFF_MS));
        const failure = error instanceof DriverError ? error : new DriverError('protocol', `${this.device}: ${String((error as Error)?.message ?? error)}`);
        this.observe(() => this.options.observer.readFailed(this.device, failure));
        this.observe(() => this.options.alarms?.failure(this.device, started));
      }
    }
    this.schedule(next);
  }

  private process(t: number, results: RawReadResult): void {
    const { observer, alarms } = this.options;
    // A heartbeat reports every point: pushed ones from what was last heard, as polled ones are read afresh.
    if (this.pushing && this.normaliser.heartbeatDue(t)) results = new Map([...this.buffer.latestResults(), ...results]);
    let values: Record<string, PointValue> = {};
    this.observe(() => {
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
