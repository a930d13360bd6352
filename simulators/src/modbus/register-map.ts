import {
  isBitTable, modbusLocation, type DeviceProfile, type ModbusLocation, type ModbusTable, type ProfilePoint,
} from '@afferent/device-profiles';

/** A point's share of one address: which of its registers (or bit) lives there. */
export interface AddressEntry {
  point: ProfilePoint;
  location: ModbusLocation;
  /** Index of this address within the point's registers. */
  offset: number;
}

/**
 * Address → the points that live there, per table. Several bool points may
 * share one register (one bit each); addresses the profile does not name are
 * absent, and the simulator answers them as a real device does: exception 02.
 */
export type RegisterMap = Record<ModbusTable, Map<number, AddressEntry[]>>;

export function buildRegisterMap(profile: DeviceProfile): RegisterMap {
  const map: RegisterMap = { coil: new Map(), discrete: new Map(), holding: new Map(), input: new Map() };
  for (const point of profile.points) {
    const location = modbusLocation(profile, point);
    const count = isBitTable(location.table) ? 1 : location.count;
    for (let offset = 0; offset < count; offset++) {
      const address = location.address + offset;
      const table = map[location.table];
      const entries = table.get(address) ?? [];
      entries.push({ point, location, offset });
      table.set(address, entries);
    }
  }
  return map;
}
