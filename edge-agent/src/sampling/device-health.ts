import type { DeviceHealth } from '@afferent/device-profiles';

/** Latency is the median of this many recent reads: steady, and blind to one slow outlier. */
const LATENCY_WINDOW = 31;

/** One device's health as status and /healthz report it. */
export class DeviceHealthTracker {
  private reachable = false;
  private lastRead: number | undefined;
  private readErrors = 0;
  private lastError: string | undefined;
  private readonly latencies: number[] = [];

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
    this.readErrors++;
    this.lastError = message;
  }

  /** One point failed (device exception, decode error); the device still answers. */
  pointFailed(message: string): void {
    this.readErrors++;
    this.lastError = message;
  }

  snapshot(): DeviceHealth {
    const health: DeviceHealth = { reachable: this.reachable, readErrors: this.readErrors };
    if (this.lastRead !== undefined) health.lastRead = this.lastRead;
    if (this.latencies.length > 0) health.latencyMs = median(this.latencies);
    if (this.lastError !== undefined) health.lastError = this.lastError;
    return health;
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
