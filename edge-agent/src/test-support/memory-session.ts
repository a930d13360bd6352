import type { ProfilePoint } from '@afferent/device-profiles';
import { DriverError, type DeviceSession, type RawReadResult, type RawWrite } from '../drivers/driver.js';

/**
 * A device session that keeps raw values in memory, for tests of what sits
 * above the driver contract (the command executor is protocol-agnostic). Real
 * protocols are tested with their simulators.
 */
export class MemorySession implements DeviceSession {
  readonly raw = new Map<string, unknown>();
  readonly writes: RawWrite[] = [];
  /** Thrown by the next writes (then cleared), or by every read while set. */
  failWrites: DriverError[] = [];
  failReads: DriverError | undefined;
  /** The device stores something else than it was told (a clamp, a rounding of its own). */
  alter: (point: string, raw: unknown) => unknown = (_point, raw) => raw;

  async read(points: readonly ProfilePoint[]): Promise<RawReadResult> {
    if (this.failReads) throw this.failReads;
    return new Map(points.map((p) => [p.name, this.raw.has(p.name) ? { raw: this.raw.get(p.name) } : { error: new DriverError('device', `no value for ${p.name}`, 2) }]));
  }

  async write(writes: readonly RawWrite[]): Promise<void> {
    const failure = this.failWrites.shift();
    if (failure) throw failure;
    for (const write of writes) {
      this.writes.push(write);
      this.raw.set(write.point.name, this.alter(write.point.name, write.raw));
    }
  }

  async close(): Promise<void> {}
}
