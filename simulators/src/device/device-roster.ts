import { SimulatedDevice, type SimulatedDeviceOptions } from './simulated-device.js';

/** A device to serve: built from a profile (and signals), or one that already exists (a fleet's, a test's). */
export type DeviceSource = SimulatedDeviceOptions | { device: SimulatedDevice };

export function deviceFrom(source: DeviceSource): SimulatedDevice {
  return 'device' in source ? source.device : new SimulatedDevice(source);
}

/** A device a server serves, and the id it is known by (`{profile}-{n}` unless given). */
export type NamedDeviceSpec = { id?: string } & DeviceSource;

export interface RosterEntry {
  id: string;
  device: SimulatedDevice;
}

/** The devices of one server, found by position or by id. */
export class DeviceRoster {
  readonly entries: readonly RosterEntry[];

  constructor(specs: readonly NamedDeviceSpec[]) {
    if (specs.length === 0) throw new Error('a simulator needs at least one device');
    const entries: RosterEntry[] = [];
    specs.forEach((spec, index) => {
      const device = deviceFrom(spec);
      const id = spec.id ?? `${device.profile.profile}-${index + 1}`;
      if (entries.some((e) => e.id === id)) throw new Error(`device id "${id}" is served twice`);
      entries.push({ id, device });
    });
    this.entries = entries;
  }

  entry(ref: number | string): RosterEntry {
    const entry = typeof ref === 'number' ? this.entries[ref] : this.entries.find((e) => e.id === ref);
    if (!entry) throw new Error(`no simulated device ${typeof ref === 'number' ? `at index ${ref}` : `"${ref}"`} (have ${this.entries.map((e) => e.id).join(', ')})`);
    return entry;
  }
}
