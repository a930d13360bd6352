import type { DeviceHealth } from '@afferent/device-profiles';

/** Latency is the median of this many recent reads: steady, and blind to one slow outlier. */
const LATENCY_WINDOW = 31;
/** Errors are also counted over the last minute: how bad it is now, where readErrors says since when. */
const ERROR_WINDOW_MS = 60_000;
/** A device failing every point at a 10 ms interval makes 6000 a minute; more are not worth the memory. */
const MAX_RECENT_ERRORS = 10_000;

/** One device's health as status and /healthz report it. */
export class DeviceHealthTracker {
  private reachable = false;
  private lastRead: number | undefined;
  private readErrors = 0;
  private lastError: string | undefined;
  private readonly latencies: number[] = [];
  /** Times of the errors of the last minute, oldest first. */
  private readonly recentErrors: number[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  get isReachable(): boolean {
    return this.reachable;
  }

  readSucceeded(t: number, latencyMs: number): void {
    this.reachable = true;
    this.lastRead = t;
    this.latencies.push(latencyMs);
    if (this.latencies.length > LATENCY_WINDOW) this.latencies.shift();
  }

  /** A subscription delivered or kept alive: reachable, and as fresh as `t`. */
  pushAlive(t: number): void {
    this.reachable = true;
    this.lastRead = Math.max(this.lastRead ?? 0, t);
  }

  /** The whole read failed: the device is not reachable. */
  readFailed(message: string): void {
    this.reachable = false;
    this.countError(message);
  }

  /** One point failed (device exception, decode error); the device still answers. */
  pointFailed(message: string): void {
    this.countError(message);
  }

  snapshot(): DeviceHealth {
    this.forgetOldErrors();
    const health: DeviceHealth = { reachable: this.reachable, readErrors: this.readErrors, errorsLastMinute: this.recentErrors.length };
    if (this.lastRead !== undefined) health.lastRead = this.lastRead;
    if (this.latencies.length > 0) health.latencyMs = median(this.latencies);
    if (this.lastError !== undefined) health.lastError = this.lastError;
    return health;
  }

  private countError(message: string): void {
    this.readErrors++;
    this.lastError = message;
    this.recentErrors.push(this.now());
    if (this.recentErrors.length > MAX_RECENT_ERRORS) this.recentErrors.shift();
  }

  private forgetOldErrors(): void {
    const since = this.now() - ERROR_WINDOW_MS;
    let old = 0;
    while (old < this.recentErrors.length && this.recentErrors[old]! <= since) old++;
    this.recentErrors.splice(0, old);
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
