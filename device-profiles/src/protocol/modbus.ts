import { Type, type Static } from 'typebox';
import type { Problem } from '../validation/problem.js';
import type { DeviceProfile, ProfilePoint } from '../profile/profile-schema.js';
import { modbusRegisterCount } from '../codec/modbus-codec.js';
import type { ByteOrder } from '../codec/byte-order.js';

/** The four Modbus data tables. Coils and holding registers are writable. */
export const MODBUS_TABLES = ['coil', 'discrete', 'holding', 'input'] as const;
export type ModbusTable = (typeof MODBUS_TABLES)[number];

const Table = Type.Enum(MODBUS_TABLES);
const Endianness = Type.Enum(['big', 'little']);

/** Profile-level defaults, applied to every point that does not say otherwise. */
export const ModbusProfileBlock = Type.Object(
  {
    table: Type.Optional(Table),
    byteOrder: Type.Optional(Endianness),
    wordOrder: Type.Optional(Endianness),
    /** The largest read this device model accepts (registers); the spec's limit is 125. */
    maxRegistersPerRead: Type.Optional(Type.Integer({ minimum: 1, maximum: 125 })),
    /** The largest coil/discrete read (bits); the spec's limit is 2000. */
    maxBitsPerRead: Type.Optional(Type.Integer({ minimum: 1, maximum: 2000 })),
    /**
     * How many unnamed registers a block read may span to merge two points.
     * 0 (the default) never reads an address the profile does not name: many
     * devices answer exception 02 for holes in their register map.
     */
    maxGap: Type.Optional(Type.Integer({ minimum: 0, maximum: 124 })),
  },
  { additionalProperties: false },
);

export const ModbusPointBlock = Type.Object(
  {
    table: Type.Optional(Table),
    address: Type.Integer({ minimum: 0, maximum: 65535 }),
    /** A bool packed in one bit (0 = least significant) of a holding or input register. */
    bit: Type.Optional(Type.Integer({ minimum: 0, maximum: 15 })),
    /** Registers a string occupies (two characters each). */
    length: Type.Optional(Type.Integer({ minimum: 1, maximum: 125 })),
    byteOrder: Type.Optional(Endianness),
    wordOrder: Type.Optional(Endianness),
  },
  { additionalProperties: false },
);

export type ModbusProfileBlock = Static<typeof ModbusProfileBlock>;
export type ModbusPointBlock = Static<typeof ModbusPointBlock>;

/** Where a point lives on a Modbus device, with every default applied. */
export interface ModbusLocation {
  table: ModbusTable;
  address: number;
  /** Registers (or bits, for coil and discrete) the point occupies. */
  count: number;
  bit?: number;
  order: ByteOrder;
}

export const MODBUS_DEFAULTS = { table: 'holding', maxRegistersPerRead: 125, maxBitsPerRead: 2000, maxGap: 0 } as const;

export function isBitTable(table: ModbusTable): boolean {
  return table === 'coil' || table === 'discrete';
}

export function isWritableTable(table: ModbusTable): boolean {
  return table === 'coil' || table === 'holding';
}

function byteOrderOf(byteOrder: 'big' | 'little', wordOrder: 'big' | 'little'): ByteOrder {
  if (wordOrder === 'big') return byteOrder === 'big' ? 'ABCD' : 'BADC';
  return byteOrder === 'big' ? 'CDAB' : 'DCBA';
}

export function modbusLocation(profile: DeviceProfile, point: ProfilePoint): ModbusLocation {
  const defaults = profile.modbus ?? {};
  const block = point.modbus;
  if (!block) throw new Error(`point ${point.name} of profile ${profile.profile} has no modbus block`);
  const table = block.table ?? defaults.table ?? MODBUS_DEFAULTS.table;
  const order = byteOrderOf(block.byteOrder ?? defaults.byteOrder ?? 'big', block.wordOrder ?? defaults.wordOrder ?? 'big');
  const count = isBitTable(table) ? 1 : modbusRegisterCount(point.type, block.length, block.bit);
  return block.bit === undefined ? { table, address: block.address, count, order } : { table, address: block.address, count, bit: block.bit, order };
}

export function modbusReadLimits(profile: DeviceProfile): { maxRegisters: number; maxBits: number; maxGap: number } {
  return {
    maxRegisters: profile.modbus?.maxRegistersPerRead ?? MODBUS_DEFAULTS.maxRegistersPerRead,
    maxBits: profile.modbus?.maxBitsPerRead ?? MODBUS_DEFAULTS.maxBitsPerRead,
    maxGap: profile.modbus?.maxGap ?? MODBUS_DEFAULTS.maxGap,
  };
}

/** What the schema cannot say: type and table agree, addresses fit, writes go where writes can go. */
export function checkModbusProfile(profile: DeviceProfile): Problem[] {
  const problems: Problem[] = [];
  const limits = modbusReadLimits(profile);
  profile.points.forEach((point, index) => {
    const block = point.modbus;
    if (!block) return;
    const at = (...rest: (string | number)[]) => ['points', index, 'modbus', ...rest];
    const table = block.table ?? profile.modbus?.table ?? MODBUS_DEFAULTS.table;
    if (isBitTable(table)) {
      if (point.type !== 'bool') problems.push({ path: ['points', index, 'type'], message: `a ${table} holds one bit: the type must be bool, not ${point.type}` });
      if (block.bit !== undefined) problems.push({ path: at('bit'), message: `bit applies to holding and input registers, not to a ${table}` });
    } else if (point.type === 'bool' && block.bit === undefined) {
      problems.push({ path: at('bit'), message: `a bool in a ${table} register needs the bit (0–15) that holds it` });
    } else if (point.type !== 'bool' && block.bit !== undefined) {
      problems.push({ path: at('bit'), message: `bit applies only to bool points, not to ${point.type}` });
    }
    if (point.type === 'string' && block.length === undefined) {
      problems.push({ path: at('length'), message: 'a string needs its length in registers' });
    }
    if (point.type !== 'string' && block.length !== undefined) {
      problems.push({ path: at('length'), message: `length applies only to strings; a ${point.type} has a fixed size` });
    }
    const count = isBitTable(table) ? 1 : modbusRegisterCount(point.type, block.length, block.bit);
    if (block.address + count - 1 > 65535) {
      problems.push({ path: at('address'), message: `a ${point.type} of ${count} registers at ${block.address} runs past address 65535` });
    }
    const limit = isBitTable(table) ? limits.maxBits : limits.maxRegisters;
    if (count > limit) {
      problems.push({ path: at('length'), message: `${count} registers exceed the profile's read limit of ${limit}` });
    }
    if ((point.access ?? 'r') !== 'r' && !isWritableTable(table)) {
      problems.push({ path: ['points', index, 'access'], message: `${point.access} needs a writable table (coil or holding), but this point is in ${table}` });
    }
  });
  return problems;
}
