import { Type, type Static } from 'typebox';
import { DurationSchema } from '../common/duration.js';
import { CoapPointBlock, CoapProfileBlock } from '../protocol/coap.js';
import { ModbusPointBlock, ModbusProfileBlock } from '../protocol/modbus.js';
import { MqttPointBlock, MqttProfileBlock } from '../protocol/mqtt.js';
import { OpcuaPointBlock, OpcuaProfileBlock } from '../protocol/opcua.js';
import { POINT_TYPES } from './point-types.js';

/**
 * The device profile format: what a device *model* measures, where each value
 * lives in its protocol and how raw data becomes a typed value. Defined once
 * here; the runtime validator, the TypeScript types and the hub's OpenAPI all
 * come from these schemas.
 */

export const PROTOCOLS = ['modbus', 'opcua', 'coap', 'mqtt'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export const ProfileName = Type.String({
  pattern: '^[a-z0-9][a-z0-9._-]{0,63}$',
  expected: 'a profile name of lowercase letters, digits, ".", "_" and "-" (at most 64)',
});

/** Point names appear in alarm expressions, so they are identifiers. */
export const PointName = Type.String({
  pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$',
  expected: 'a point name: letters, digits and _, not starting with a digit (at most 64)',
});

export const SEVERITIES = ['critical', 'major', 'minor', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ACCESS = ['r', 'rw', 'w'] as const;
export type Access = (typeof ACCESS)[number];


export const ProfilePointSchema = Type.Object(
  {
    name: PointName,
    type: Type.Enum(POINT_TYPES),
    unit: Type.Optional(Type.String({ maxLength: 32 })),
    description: Type.Optional(Type.String()),
    /** value = raw × scale + offset */
    scale: Type.Optional(Type.Number({ expected: 'a non-zero number' })),
    offset: Type.Optional(Type.Number()),
    /** Engineering-unit limits: writes outside are refused; readings outside are flagged. */
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    access: Type.Optional(Type.Enum(ACCESS)),
    /** Raw integer → label, e.g. {0: off, 1: on}. */
    enum: Type.Optional(
      Type.Record(Type.String({ pattern: '^-?[0-9]+$' }), Type.String({ minLength: 1 }), {
        expected: 'a mapping of integers to labels, e.g. {0: off, 1: on}',
        additionalProperties: false,
      }),
    ),
    /** Report a change only when it moves by at least this much (0: any change). */
    deadband: Type.Optional(Type.Number({ minimum: 0 })),
    modbus: Type.Optional(ModbusPointBlock),
    opcua: Type.Optional(OpcuaPointBlock),
    coap: Type.Optional(CoapPointBlock),
    mqtt: Type.Optional(MqttPointBlock),
  },
  { additionalProperties: false },
);

/** What an alarm rule says, wherever it is written: in a profile, or as a hub rule across devices. */
export const AlarmRuleFields = {
  /** Condition over the points, e.g. "voltage > 253". */
  when: Type.String({ minLength: 1 }),
  /** Condition that clears it (hysteresis); default: not `when`. */
  clear: Type.Optional(Type.String({ minLength: 1 })),
  for: Type.Optional(DurationSchema),
  clearFor: Type.Optional(DurationSchema),
  severity: Type.Enum(SEVERITIES),
  /** Text with {point} placeholders, e.g. "Voltage {voltage} V above limit". */
  message: Type.Optional(Type.String()),
};

export const ProfileAlarmSchema = Type.Object({ name: PointName, ...AlarmRuleFields }, { additionalProperties: false });

export const DeviceProfileSchema = Type.Object(
  {
    profile: ProfileName,
    version: Type.Integer({ minimum: 1 }),
    manufacturer: Type.Optional(Type.String()),
    model: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    /** Where the register map or node list came from (a manual, a URL). */
    reference: Type.Optional(Type.String()),
    protocol: Type.Enum(PROTOCOLS),
    modbus: Type.Optional(ModbusProfileBlock),
    opcua: Type.Optional(OpcuaProfileBlock),
    coap: Type.Optional(CoapProfileBlock),
    mqtt: Type.Optional(MqttProfileBlock),
    points: Type.Array(ProfilePointSchema, { minItems: 1 }),
    alarms: Type.Optional(Type.Array(ProfileAlarmSchema)),
  },
  { additionalProperties: false },
);

export type DeviceProfile = Static<typeof DeviceProfileSchema>;
export type ProfilePoint = Static<typeof ProfilePointSchema>;
export type ProfileAlarm = Static<typeof ProfileAlarmSchema>;

export function isWritable(point: ProfilePoint): boolean {
  return point.access === 'rw' || point.access === 'w';
}

export function isReadable(point: ProfilePoint): boolean {
  return point.access !== 'w';
}
