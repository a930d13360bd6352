import type { DeviceProfile, ProfilePoint } from '../profile/profile-schema.js';
import type { PointValue } from '../profile/point-types.js';
import { coerceRaw } from './coerce.js';
import { tidyFloat32 } from './modbus-codec.js';
import { rawToValue, valueToRaw, type EncodeOptions } from './value-transform.js';

/**
 * OPC UA row of the codec table. The raw value is a Variant's value as
 * node-opcua gives it; writes produce a plain value that the driver coerces
 * to the node's own DataType.
 */
export const opcuaPointCodec = {
  decode: (_profile: DeviceProfile, point: ProfilePoint, raw: unknown): PointValue => {
    const value = coerceRaw(point, raw);
    // A Float variant arrives widened to double: report it as Modbus float32 is, to its real precision.
    return rawToValue(point, point.type === 'float32' && typeof value === 'number' ? tidyFloat32(value) : value);
  },
  encode: (_profile: DeviceProfile, point: ProfilePoint, value: unknown, options?: EncodeOptions): number | boolean | string =>
    valueToRaw(point, value, options),
};
