import type { TSchema } from 'typebox';
import type { Problem } from '../validation/problem.js';
import type { DeviceProfile, Protocol } from '../profile/profile-schema.js';
import { checkCoapProfile, CoapConnectionSchema } from './coap.js';
import { checkModbusProfile } from './modbus.js';
import { checkModbusConnection, ModbusConnectionSchema } from './modbus-connection.js';
import { checkMqttProfile, MqttConnectionSchema } from './mqtt.js';
import { checkOpcuaProfile, OpcuaConnectionSchema } from './opcua.js';

/** What each protocol adds to the shared profile format. One row per protocol. */
export interface ProtocolSpec {
  /** Checks of the profile's protocol blocks beyond their schema. */
  checkProfile(profile: DeviceProfile): Problem[];
  /** The shape of `connection` in a device instance. */
  connection: TSchema;
  /** Checks of a connection beyond its schema (run only once the schema passed); paths are relative to `connection`. */
  checkConnection?(connection: never): Problem[];
}

export const PROTOCOL_TABLE: Record<Protocol, ProtocolSpec> = {
  modbus: { checkProfile: checkModbusProfile, connection: ModbusConnectionSchema, checkConnection: checkModbusConnection },
  opcua: { checkProfile: checkOpcuaProfile, connection: OpcuaConnectionSchema },
  coap: { checkProfile: checkCoapProfile, connection: CoapConnectionSchema },
  mqtt: { checkProfile: checkMqttProfile, connection: MqttConnectionSchema },
};
