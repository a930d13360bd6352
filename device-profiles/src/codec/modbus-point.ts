import type { ProfilePoint } from '../profile/profile-schema.js';
import type { PointValue } from '../profile/point-types.js';
import { isBitTable, type ModbusLocation } from '../protocol/modbus.js';
import { CodecError } from './codec-error.js';
import { decodeModbusWords, encodeModbusWords } from './modbus-codec.js';
import { rawToValue, valueToRaw } from './value-transform.js';

/**
 * A Modbus point's whole codec: the registers or bit a driver moved → the
 * profile's typed value, and back.
 */

/** What a Modbus read returns for one point: its registers, or its bit. */
export type ModbusRaw = { words: number[] } | { bit: boolean };

export function decodeModbusPoint(point: ProfilePoint, location: ModbusLocation, raw: ModbusRaw): PointValue {
  if ('bit' in raw) {
    if (!isBitTable(location.table)) throw new CodecError(`point ${point.name}: got a bit from a register table`);
    return raw.bit;
  }
  return rawToValue(point, decodeModbusWords(point.type, raw.words, location.order, location.bit));
}

/**
 * The raw form to write for a value. A bool kept in a register bit needs the
 * register's current content (`current`): read it first, then write this.
 */
export function encodeModbusPoint(point: ProfilePoint, location: ModbusLocation, value: unknown, current?: number): ModbusRaw {
  const raw = valueToRaw(point, value);
  if (isBitTable(location.table)) {
    if (typeof raw !== 'boolean') throw new CodecError(`point ${point.name}: a ${location.table} takes true or false`);
    return { bit: raw };
  }
  const options = { ...(location.bit !== undefined && { bit: location.bit }), ...(current !== undefined && { current }), length: location.count };
  return { words: encodeModbusWords(point.type, raw, location.order, options) };
}
