import type { PointType } from '../profile/point-types.js';
import { INTEGER_RANGES, isIntegerType } from '../profile/point-types.js';
import { bytesToWords, wordsToBytes, type ByteOrder } from './byte-order.js';
import { CodecError } from './codec-error.js';

/** A value as the device holds it, before scale, offset and enum. */
export type RawValue = number | boolean | string;

const WORDS: Record<Exclude<PointType, 'bool' | 'string'>, number> = {
  int16: 1, uint16: 1, int32: 2, uint32: 2, float32: 2, int64: 4, uint64: 4, float64: 4,
};

/** Registers a point of this type occupies (a bool in a register bit takes its register). */
export function modbusRegisterCount(type: PointType, length?: number, _bit?: number): number {
  if (type === 'bool') return 1;
  if (type === 'string') return length ?? 1;
  return WORDS[type];
}

/** float32 carries ~7 significant digits; more is noise from the widening to double. */
export function tidyFloat32(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(7)) : value;
}

/** Registers → raw value. `words` holds exactly the point's registers. */
export function decodeModbusWords(type: PointType, words: ArrayLike<number>, order: ByteOrder, bit?: number): RawValue {
  const expected = modbusRegisterCount(type, words.length);
  if (words.length !== expected || (type === 'string' && words.length === 0)) {
    throw new CodecError(`a ${type} needs ${expected} registers, got ${words.length}`);
  }
  if (type === 'bool') {
    if (bit === undefined) throw new CodecError('a bool in a register needs a bit number');
    return ((words[0]! >> bit) & 1) === 1;
  }
  const bytes = wordsToBytes(words, order);
  switch (type) {
    case 'int16': return bytes.readInt16BE(0);
    case 'uint16': return bytes.readUInt16BE(0);
    case 'int32': return bytes.readInt32BE(0);
    case 'uint32': return bytes.readUInt32BE(0);
    case 'int64': return Number(bytes.readBigInt64BE(0));
    case 'uint64': return Number(bytes.readBigUInt64BE(0));
    case 'float32': return tidyFloat32(bytes.readFloatBE(0));
    case 'float64': return bytes.readDoubleBE(0);
    case 'string': return bytes.toString('latin1').replace(/[\0 ]+$/, '');
  }
}

/**
 * Raw value → registers. For a bool kept in a register bit, pass the register's
 * current content as `current`: the other fifteen bits must survive the write.
 */
export function encodeModbusWords(
  type: PointType,
  raw: RawValue,
  order: ByteOrder,
  options: { length?: number; bit?: number; current?: number } = {},
): number[] {
  if (type === 'bool') {
    if (typeof raw !== 'boolean') throw new CodecError(`expected true or false, got ${JSON.stringify(raw)}`);
    if (options.bit === undefined) throw new CodecError('a bool in a register needs a bit number');
    const mask = 1 << options.bit;
    const current = options.current ?? 0;
    return [raw ? (current | mask) & 0xffff : current & ~mask & 0xffff];
  }
  if (type === 'string') {
    if (typeof raw !== 'string') throw new CodecError(`expected a string, got ${JSON.stringify(raw)}`);
    const length = options.length ?? Math.ceil(raw.length / 2);
    const bytes = Buffer.alloc(length * 2);
    const written = bytes.write(raw, 'latin1');
    if (written < Buffer.byteLength(raw, 'latin1')) throw new CodecError(`"${raw}" does not fit in ${length} registers`);
    return bytesToWords(bytes, order);
  }
  if (typeof raw !== 'number' || Number.isNaN(raw)) throw new CodecError(`expected a number, got ${JSON.stringify(raw)}`);
  if (isIntegerType(type)) {
    const [min, max] = INTEGER_RANGES[type];
    if (!Number.isInteger(raw) || raw < min || raw > max) {
      throw new CodecError(`${raw} does not fit in ${type} (${min}…${max})`);
    }
  }
  const bytes = Buffer.alloc(WORDS[type] * 2);
  switch (type) {
    case 'int16': bytes.writeInt16BE(raw); break;
    case 'uint16': bytes.writeUInt16BE(raw); break;
    case 'int32': bytes.writeInt32BE(raw); break;
    case 'uint32': bytes.writeUInt32BE(raw); break;
    case 'int64': bytes.writeBigInt64BE(BigInt(raw)); break;
    case 'uint64': bytes.writeBigUInt64BE(BigInt(raw)); break;
    case 'float32':
      if (Number.isFinite(raw) && Math.abs(raw) > 3.4028234663852886e38) throw new CodecError(`${raw} does not fit in float32`);
      bytes.writeFloatBE(raw);
      break;
    case 'float64': bytes.writeDoubleBE(raw); break;
  }
  return bytesToWords(bytes, order);
}
