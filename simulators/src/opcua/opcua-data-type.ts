import { DataType, Variant, VariantArrayType, coerceInt64, coerceUInt64 } from 'node-opcua';
import type { PointType } from '@afferent/device-profiles';

/** The OPC UA DataType of each point type: a variable is exactly what the profile says. */
export const DATA_TYPES: Record<PointType, DataType> = {
  bool: DataType.Boolean,
  int16: DataType.Int16,
  uint16: DataType.UInt16,
  int32: DataType.Int32,
  uint32: DataType.UInt32,
  int64: DataType.Int64,
  uint64: DataType.UInt64,
  float32: DataType.Float,
  float64: DataType.Double,
  string: DataType.String,
};

/** A raw point value (device-profiles' OPC UA codec) as a Variant; 64-bit integers travel as node-opcua's [high, low] words. */
export function toVariant(type: PointType, raw: number | boolean | string): Variant {
  const dataType = DATA_TYPES[type];
  // The words are an array to node-opcua's eye: say it is one scalar.
  if (type === 'int64') return new Variant({ dataType, arrayType: VariantArrayType.Scalar, value: coerceInt64(String(raw)) });
  if (type === 'uint64') return new Variant({ dataType, arrayType: VariantArrayType.Scalar, value: coerceUInt64(String(raw)) });
  return new Variant({ dataType, value: raw });
}
