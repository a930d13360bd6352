import {
  isBitTable, isReadable, modbusLocation, modbusReadLimits,
  type DeviceProfile, type ModbusLocation, type ModbusTable, type ProfilePoint,
} from '@afferent/device-profiles';

/** A point and where it lives, with the profile's defaults applied. */
export interface PlacedPoint {
  readonly point: ProfilePoint;
  readonly location: ModbusLocation;
}

/** One Modbus read request: `count` registers (or bits) of `table` from `address`. */
export interface ReadBlock {
  readonly table: ModbusTable;
  readonly address: number;
  readonly count: number;
  /** The points this read answers, in address order. */
  readonly points: readonly PlacedPoint[];
}

/**
 * Turn the points to read into as few requests as the device allows.
 *
 * Points of one table merge into a block while the block stays within the
 * profile's read limit and every address it spans is one the profile names
 * (a readable point covers it), or the unnamed stretch is at most `maxGap`
 * long. Many devices answer exception 02 for a hole in their register map, so
 * by default a block never reaches into one. Overlapping points (several bools
 * in one register, a string and a number sharing words) simply share the read.
 */
export function planReads(profile: DeviceProfile, points: readonly ProfilePoint[]): ReadBlock[] {
  const limits = modbusReadLimits(profile);
  const placed = points.map((point) => ({ point, location: modbusLocation(profile, point) }));
  const named = namedAddresses(profile);
  const blocks: ReadBlock[] = [];
  for (const [table, members] of groupByTable(placed)) {
    const limit = isBitTable(table) ? limits.maxBits : limits.maxRegisters;
    members.sort((a, b) => a.location.address - b.location.address || b.location.count - a.location.count);
    let current: { address: number; end: number; points: PlacedPoint[] } | undefined;
    for (const member of members) {
      const { address, count } = member.location;
      const end = address + count;
      if (current) {
        const newEnd = Math.max(current.end, end);
        if (newEnd - current.address <= limit && unnamedBetween(named.get(table), current.end, address) <= limits.maxGap) {
          current.end = newEnd;
          current.points.push(member);
          continue;
        }
        blocks.push(toBlock(table, current));
      }
      current = { address, end, points: [member] };
    }
    if (current) blocks.push(toBlock(table, current));
  }
  return blocks;
}

function toBlock(table: ModbusTable, block: { address: number; end: number; points: PlacedPoint[] }): ReadBlock {
  return { table, address: block.address, count: block.end - block.address, points: block.points };
}

function groupByTable(placed: PlacedPoint[]): Map<ModbusTable, PlacedPoint[]> {
  const groups = new Map<ModbusTable, PlacedPoint[]>();
  for (const member of placed) {
    const list = groups.get(member.location.table) ?? [];
    list.push(member);
    groups.set(member.location.table, list);
  }
  return groups;
}

/** Per table, every address some readable point of the profile occupies. */
function namedAddresses(profile: DeviceProfile): Map<ModbusTable, Set<number>> {
  const named = new Map<ModbusTable, Set<number>>();
  for (const point of profile.points) {
    if (!isReadable(point) || !point.modbus) continue;
    const { table, address, count } = modbusLocation(profile, point);
    const set = named.get(table) ?? new Set<number>();
    for (let a = address; a < address + count; a++) set.add(a);
    named.set(table, set);
  }
  return named;
}

/** How many addresses in [from, to) no readable point names. */
function unnamedBetween(named: Set<number> | undefined, from: number, to: number): number {
  let unnamed = 0;
  for (let a = from; a < to; a++) if (!named?.has(a)) unnamed++;
  return unnamed;
}
