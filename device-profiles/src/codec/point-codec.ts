import type { DeviceProfile, ProfilePoint, Protocol } from '../profile/profile-schema.js';
import type { PointValue } from '../profile/point-types.js';
import { modbusPointCodec } from './modbus-point.js';
import { opcuaPointCodec } from './opcua-point.js';
import { payloadPointCodec } from './payload-point.js';
import type { EncodeOptions } from './value-transform.js';

/**
 * Per protocol, how a driver's raw data becomes a profile value and back.
 * Drivers move raw data; the agent and the simulators apply these codecs.
 * `decode` and `encode` throw CodecError with a message that names the point.
 */
export interface PointCodec {
  decode(profile: DeviceProfile, point: ProfilePoint, raw: unknown): PointValue;
  encode(profile: DeviceProfile, point: ProfilePoint, value: unknown, options?: EncodeOptions): unknown;
}

export const POINT_CODECS: Record<Protocol, PointCodec> = {
  modbus: modbusPointCodec,
  opcua: opcuaPointCodec,
  coap: payloadPointCodec('coap'),
  mqtt: payloadPointCodec('mqtt'),
};
