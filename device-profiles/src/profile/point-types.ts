/** The value types a profile point can have; the same in every protocol. */
export const POINT_TYPES = [
  'bool', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64', 'string',
] as const;
export type PointType = (typeof POINT_TYPES)[number];

export type IntegerType = 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64';
export type FloatType = 'float32' | 'float64';

/** Inclusive raw ranges of the integer types. 64-bit values are JS numbers, exact to 2^53. */
export const INTEGER_RANGES: Record<IntegerType, readonly [number, number]> = {
  int16: [-0x8000, 0x7fff],
  uint16: [0, 0xffff],
  int32: [-0x8000_0000, 0x7fff_ffff],
  uint32: [0, 0xffff_ffff],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};

export function isIntegerType(type: PointType): type is IntegerType {
  return type in INTEGER_RANGES;
}

export function isFloatType(type: PointType): type is FloatType {
  return type === 'float32' || type === 'float64';
}

export function isNumericType(type: PointType): boolean {
  return isIntegerType(type) || isFloatType(type);
}

/** What a point's value is after normalisation. */
export type PointValue = number | boolean | string;
