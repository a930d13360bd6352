import type { ProfilePoint, TelemetryBatch } from '@afferent/device-profiles';
import type { DeviceRegistry } from '../registry/device-registry.js';
import type { ProfileRegistry } from '../registry/profile-registry.js';
import { kindOf, type Sample, type ValueKind } from '../timeseries/timeseries-store.js';

/** The kind of value a profile point carries after normalisation at the edge (enum points carry their label). */
export function expectedKind(point: ProfilePoint): ValueKind {
  if (point.type === 'bool') return 'bool';
  if (point.type === 'string' || point.enum) return 'string';
  return 'number';
}

/**
 * Series kinds during one ingest flush: what the store already holds, plus the
 * kinds of series first seen in this flush, so two batches of the same flush
 * cannot start one series with two kinds.
 */
export class KindLedger {
  private readonly fresh = new Map<string, ValueKind>();
  constructor(private readonly stored: (device: string, point: string) => ValueKind | undefined) {}

  get(device: string, point: string): ValueKind | undefined {
    return this.stored(device, point) ?? this.fresh.get(`${device}\u0000${point}`);
  }

  set(device: string, point: string, kind: ValueKind): void {
    this.fresh.set(`${device}\u0000${point}`, kind);
  }
}

export interface CheckedBatch {
  samples: Sample[];
  /** Readings with at least one stored value. */
  readings: number;
  /** `device.point` of values stored although the profile has no such point. */
  unknownPoints: string[];
  /** `device.point: why` of values dropped because their type contradicts the profile or the series. */
  wrongType: string[];
  /** Devices this gateway sent readings for that belong to another gateway → owner. */
  foreignDevices: Map<string, string>;
  foreignReadings: number;
  /** Devices registered by this batch with profile `unknown`. */
  autoRegistered: string[];
  /** Newest sample time per device. */
  lastSeen: Map<string, number>;
}

export interface CheckContext {
  devices: DeviceRegistry;
  profiles: ProfileRegistry;
  kinds: KindLedger;
  now: number;
}

/**
 * Turn a decoded batch into samples, checking each value against its device's
 * profile. Nothing the hub cannot judge is dropped: unknown devices are
 * registered and stored, unknown points are stored and counted. Only values
 * that contradict what the hub knows (wrong type) or readings of a device that
 * belongs to another gateway are dropped, and those are counted.
 */
export function checkBatch(gateway: string, batch: TelemetryBatch, ctx: CheckContext): CheckedBatch {
  const out: CheckedBatch = {
    samples: [], readings: 0, unknownPoints: [], wrongType: [], foreignDevices: new Map(), foreignReadings: 0,
    autoRegistered: [], lastSeen: new Map(),
  };
  for (const reading of batch.readings) {
    let device = ctx.devices.get(reading.d);
    if (!device) {
      device = ctx.devices.autoRegister(gateway, reading.d, ctx.now);
      out.autoRegistered.push(reading.d);
    } else if (device.gateway !== gateway) {
      out.foreignDevices.set(reading.d, device.gateway);
      out.foreignReadings++;
      continue;
    }
    const profile = ctx.profiles.get(device.profile, device.profileVersion);
    let stored = 0;
    for (const [point, value] of Object.entries(reading.v)) {
      const actual = kindOf(value);
      const profilePoint = profile?.points.get(point);
      const seriesKind = ctx.kinds.get(reading.d, point);
      if (profilePoint && expectedKind(profilePoint) !== actual) {
        out.wrongType.push(`${reading.d}.${point}: the profile says ${profilePoint.type}, got ${JSON.stringify(value)}`);
        continue;
      }
      if (seriesKind !== undefined && seriesKind !== actual) {
        // A point without a profile type keeps the kind of its first value; so does one whose profile type changed.
        out.wrongType.push(`${reading.d}.${point}: the stored series holds ${seriesKind} values, got ${JSON.stringify(value)}`);
        continue;
      }
      if (seriesKind === undefined) ctx.kinds.set(reading.d, point, actual);
      // A device without a known profile has no points to compare with: that is shown on the device, not counted per value.
      if (profile && !profilePoint) out.unknownPoints.push(`${reading.d}.${point}`);
      out.samples.push({ device: reading.d, point, t: reading.t, value });
      stored++;
    }
    if (stored > 0) {
      out.readings++;
      const seen = out.lastSeen.get(reading.d);
      if (seen === undefined || reading.t > seen) out.lastSeen.set(reading.d, reading.t);
    }
  }
  return out;
}
