import { Type, type Static } from 'typebox';
import { DurationSchema } from '../common/duration.js';
import { DeviceId } from '../common/identifiers.js';
import { ProfileName } from '../profile/profile-schema.js';
import { AlarmOverridesSchema } from '../rules/alarm-definition.js';

/** Labels people select devices by (`site: plant-2`); keys as the hub's label filter takes them. */
export const LabelsSchema = Type.Record(
  Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }), Type.String({ maxLength: 256 }), { additionalProperties: false },
);

/** Where a device (or a gateway) is, in WGS 84 degrees. */
export const LocationSchema = Type.Object(
  { lat: Type.Number({ minimum: -90, maximum: 90 }), lon: Type.Number({ minimum: -180, maximum: 180 }) },
  { additionalProperties: false },
);

/**
 * A device *instance*: where one device of a profile's model is, and how often
 * to ask it. The profile says what the model is; this says where it is.
 * The connection's shape depends on the profile's protocol and is checked by
 * that protocol's connection schema (see protocol/*).
 */
export const DeviceInstanceSchema = Type.Object(
  {
    id: DeviceId,
    profile: ProfileName,
    connection: Type.Record(Type.String(), Type.Unknown(), { expected: 'a mapping with the connection settings' }),
    /** Poll interval; default 1s. */
    interval: Type.Optional(DurationSchema),
    /** Report every point at least this often even when it has not changed; default 60s. */
    heartbeat: Type.Optional(DurationSchema),
    labels: Type.Optional(LabelsSchema),
    location: Type.Optional(LocationSchema),
    enabled: Type.Optional(Type.Boolean()),
    /** Changes to the profile's alarms for this device: thresholds, disabled alarms, extra alarms. */
    alarms: Type.Optional(AlarmOverridesSchema),
  },
  { additionalProperties: false },
);

export type DeviceInstance = Static<typeof DeviceInstanceSchema>;
export type Labels = Static<typeof LabelsSchema>;
export type Location = Static<typeof LocationSchema>;

export const DEVICE_DEFAULTS = { interval: '1s', heartbeat: '60s' } as const;
