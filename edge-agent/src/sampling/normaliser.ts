import {
  POINT_CODECS, isNumericType,
  type DeviceProfile, type PointValue, type ProfilePoint, type Reading,
} from '@afferent/device-profiles';
import type { DeviceTarget, RawReadResult } from '../drivers/driver.js';

/** What one sample turned into: readings to report, every decoded value, and the points that would not decode. */
export interface NormalisedSample {
  readings: Reading[];
  /** Every point that decoded, changed or not: alarms see all of them. */
  values: Record<string, PointValue>;
  decodeErrors: { point: string; message: string }[];
}

/**
 * Turns a driver's raw data into readings with the profile: decodes each
 * point with POINT_CODECS, flags values outside the point's min/max as
 * `uncertain`, and reports a point only when it changed by at least its
 * deadband (bool, string and enum points: any change), except at the
 * heartbeat, when every point is reported anyway. A point that does not
 * decode is counted and skipped; the others are reported.
 */
export class Normaliser {
  private readonly points: ReadonlyMap<string, ProfilePoint>;
  private readonly reported = new Map<string, PointValue>();
  private nextHeartbeat = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly target: DeviceTarget,
    private readonly heartbeatMs: number,
  ) {
    this.points = new Map(target.profile.points.map((p) => [p.name, p]));
  }

  /** Whether a sample at `t` is a heartbeat: every point it holds is reported, changed or not. */
  heartbeatDue(t: number): boolean {
    return t >= this.nextHeartbeat;
  }

  /** `t` is the sample time, ms. */
  normalise(t: number, results: RawReadResult): NormalisedSample {
    const { profile, instance } = this.target;
    const heartbeat = t >= this.nextHeartbeat;
    if (heartbeat) this.nextHeartbeat = t + this.heartbeatMs;
    const values: Record<string, PointValue> = {};
    const good: Record<string, PointValue> = {};
    const uncertain: Record<string, PointValue> = {};
    const decodeErrors: NormalisedSample['decodeErrors'] = [];
    for (const [name, result] of results) {
      const point = this.points.get(name);
      if (!point || !('raw' in result)) continue;
      let value: PointValue;
      try {
        value = decode(profile, point, result.raw);
      } catch (error) {
        decodeErrors.push({ point: name, message: (error as Error).message });
        continue;
      }
      values[name] = value;
      if (!heartbeat && !this.changed(point, value)) continue;
      this.reported.set(name, value);
      (outOfRange(point, value) ? uncertain : good)[name] = value;
    }
    const readings: Reading[] = [];
    if (Object.keys(good).length > 0) readings.push({ d: instance.id, t, v: good });
    if (Object.keys(uncertain).length > 0) readings.push({ d: instance.id, t, v: uncertain, q: 'uncertain' });
    return { readings, values, decodeErrors };
  }

  private changed(point: ProfilePoint, value: PointValue): boolean {
    const last = this.reported.get(point.name);
    if (last === undefined) return true;
    if (typeof value === 'number' && typeof last === 'number' && point.deadband) {
      return Math.abs(value - last) >= point.deadband;
    }
    return value !== last;
  }
}

function decode(profile: DeviceProfile, point: ProfilePoint, raw: unknown): PointValue {
  const value = POINT_CODECS[profile.protocol].decode(profile, point, raw);
  // NaN and Infinity have no JSON form; a float register holding one carries no reading.
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`point ${point.name}: ${value} is not a reading`);
  return value;
}

function outOfRange(point: ProfilePoint, value: PointValue): boolean {
  if (typeof value !== 'number' || !isNumericType(point.type)) return false;
  return (point.min !== undefined && value < point.min) || (point.max !== undefined && value > point.max);
}
