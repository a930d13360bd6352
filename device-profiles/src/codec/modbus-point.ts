import type { DeviceProfile, ProfilePoint } from '../profile/profile-schema.js';
import type { PointValue } from '../profile/point-types.js';
import { isBitTable, modbusLocation, type ModbusLocation } from '../protocol/modbus.js';
import { CodecError } from './codec-error.js';
import { decodeModbusWords, encodeModbusWords } from './modbus-codec.js';
import { rawToValue, valueToRaw, type EncodeOptions } from './value-transform.js';

/**
 * A Modbus point's whole codec: the registers or bit a driver moved → the
 * profile's typed value, and back.
 */

/** What a Modbus read returns for one point: its registers, or its bit. */
export type ModbusRaw = { words: number[] } | { bit: boolean };

/**
 * What to write for one point. A bool kept in one bit of a register is
 * `maskedBit`: the driver reads the register and changes only that bit, so the
 * other fifteen survive.
 */
export type ModbusWrite = ModbusRaw | { maskedBit: { bit: number; value: boolean } };

export function decodeModbusPoint(point: ProfilePoint, location: ModbusLocation, raw: ModbusRaw): PointValue {
  if ('bit' in raw) {
    if (!isBitTable(location.table)) throw new CodecError(`point ${point.name}: got a bit from a register table`);
    return raw.bit;
  }
  return rawToValue(point, decodeModbusWords(point.type, raw.words, location.order, location.bit));
}

export function encodeModbusPoint(point: ProfilePoint, location: ModbusLocation, value: unknown, options?: EncodeOptions): ModbusWrite {
  const raw = valueToRaw(point, value, options);
  if (isBitTable(location.table)) {
    if (typeof raw !== 'boolean') throw new CodecError(`point ${point.name}: a ${location.table} takes true or false`);
    return { bit: raw };
  }
  if (location.bit !== undefined) {
    if (typeof raw !== 'boolean') throw new CodecError(`point ${point.name}: a register bit takes true or false`);
    return { maskedBit: { bit: location.bit, value: raw } };
  }
  return { words: encodeModbusWords(point.type, raw, location.order, { length: location.count }) };
}

/** The Modbus row of the codec table. */
export const modbusPointCodec = {
  decode: (profile: DeviceProfile, point: ProfilePoint, raw: unknown): PointValue =>
    decodeModbusPoint(point, modbusLocation(profile, point), raw as ModbusRaw),
  encode: (profile: DeviceProfile, point: ProfilePoint, value: unknown, options?: EncodeOptions): ModbusWrite =>
    encodeModbusPoint(point, modbusLocation(profile, point), value, options),
};
