import { DataType, Variant, coerceInt64, coerceUInt64 } from 'node-opcua';
import { DriverError } from '../driver.js';

const INTEGER_RANGES: Partial<Record<DataType, [number, number]>> = {
  [DataType.SByte]: [-128, 127],
  [DataType.Byte]: [0, 255],
  [DataType.Int16]: [-32768, 32767],
  [DataType.UInt16]: [0, 65535],
  [DataType.Int32]: [-2147483648, 2147483647],
  [DataType.UInt32]: [0, 4294967295],
  [DataType.Int64]: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  [DataType.UInt64]: [0, Number.MAX_SAFE_INTEGER],
};

/**
 * A profile value (already encoded by the codec: number, bool or string) as
 * a Variant of the node's own DataType. Servers refuse a write whose Variant
 * type differs from the node's (BadTypeMismatch): a float64 profile point
 * written to a Float node must go as a Float.
 */
export function toVariant(dataType: DataType, value: unknown, where: string): Variant {
  const refuse = (why: string) => new DriverError('device', `${where}: ${why}`, 'BadTypeMismatch');
  if (dataType === DataType.Boolean) {
    if (typeof value === 'boolean') return new Variant({ dataType, value });
    if (value === 0 || value === 1) return new Variant({ dataType, value: value === 1 });
    throw refuse(`a Boolean node cannot take ${JSON.stringify(value)}`);
  }
  if (dataType === DataType.String) return new Variant({ dataType, value: String(value) });
  const number = typeof value === 'boolean' ? Number(value) : typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || Number.isNaN(number)) throw refuse(`a ${DataType[dataType]} node cannot take ${JSON.stringify(value)}`);
  if (dataType === DataType.Float || dataType === DataType.Double) return new Variant({ dataType, value: number });
  const range = INTEGER_RANGES[dataType];
  if (!range) throw refuse(`writing to a ${DataType[dataType]} node is not supported`);
  const integer = Math.round(number);
  if (integer < range[0] || integer > range[1]) {
    throw new DriverError('device', `${where}: ${number} is outside the ${DataType[dataType]} range`, 'BadOutOfRange');
  }
  if (dataType === DataType.Int64) return new Variant({ dataType, value: coerceInt64(integer) });
  if (dataType === DataType.UInt64) return new Variant({ dataType, value: coerceUInt64(integer) });
  return new Variant({ dataType, value: integer });
}
