import {
  isNumericType, isWritable, type DeviceProfile, type PointValue, type ProfilePoint,
} from '@afferent/device-profiles';
import { createSignal, hashSeed, type Signal } from '../signals/signal.js';
import type { SignalSpec } from '../signals/signal-spec.js';

export interface SimulatedDeviceOptions {
  profile: DeviceProfile;
  /** Per point; points without a signal hold a resting value (see `restingValue`). */
  signals?: Record<string, SignalSpec>;
  /** Makes random walks repeatable. */
  seed?: number;
  clock?: () => number;
}

/** One write as the device received it. */
export interface WriteRecord {
  point: string;
  value: PointValue;
  t: number;
}

/**
 * A field device's state, independent of the protocol that serves it: each
 * point follows its signal until something sets it, then holds that value.
 * Protocol servers may attach their own raw form of a held value (`raw`) so a
 * value written as registers reads back bit for bit.
 */
export class SimulatedDevice {
  readonly profile: DeviceProfile;
  readonly points: ReadonlyMap<string, ProfilePoint>;
  readonly writeLog: WriteRecord[] = [];
  /** Reads answered with data (Modbus register reads, CoAP GETs). */
  reads = 0;
  private readonly signals = new Map<string, Signal>();
  private readonly held = new Map<string, { value: PointValue; raw?: unknown }>();
  private readonly clock: () => number;

  constructor({ profile, signals = {}, seed = 1, clock = Date.now }: SimulatedDeviceOptions) {
    this.profile = profile;
    this.clock = clock;
    this.points = new Map(profile.points.map((p) => [p.name, p]));
    const origin = clock();
    for (const [name, spec] of Object.entries(signals)) {
      if (!this.points.has(name)) throw new Error(`signal for unknown point "${name}" of profile ${profile.profile}`);
      this.signals.set(name, createSignal(spec, origin, seed ^ hashSeed(name), () => this.reads));
    }
  }

  /** Writes received over the protocol. */
  get writes(): number {
    return this.writeLog.length;
  }

  point(name: string): ProfilePoint {
    const point = this.points.get(name);
    if (!point) throw new Error(`profile ${this.profile.profile} has no point "${name}"`);
    return point;
  }

  get(name: string, t = this.clock()): PointValue {
    const held = this.held.get(name);
    if (held) return held.value;
    const signal = this.signals.get(name);
    return signal ? signal(t) : restingValue(this.point(name));
  }

  /** The protocol server's raw form of a held value, if it stored one. */
  heldRaw(name: string): unknown {
    return this.held.get(name)?.raw;
  }

  /** Set a value from outside (a test, the scenario): it holds until released. */
  set(name: string, value: PointValue): void {
    this.point(name);
    this.held.set(name, { value });
  }

  /** Back to the point's signal. */
  release(name: string): void {
    this.held.delete(name);
  }

  /** A write that arrived over the protocol; the caller has checked it is allowed. */
  applyWrite(name: string, value: PointValue, raw?: unknown): void {
    this.held.set(name, raw === undefined ? { value } : { value, raw });
    this.writeLog.push({ point: name, value, t: this.clock() });
  }

  isWritable(name: string): boolean {
    const point = this.points.get(name);
    return point !== undefined && isWritable(point);
  }
}

/** What a point reads when nothing drives it: zero within the limits, false, the first enum label. */
export function restingValue(point: ProfilePoint): PointValue {
  if (point.type === 'bool') return false;
  if (point.type === 'string') return '';
  if (point.enum) return Object.values(point.enum)[0]!;
  if (isNumericType(point.type)) return Math.min(point.max ?? 0, Math.max(point.min ?? 0, 0));
  return 0;
}
