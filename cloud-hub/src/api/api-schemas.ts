import { LocationSchema, POINT_TYPES, ACCESS } from '@afferent/device-profiles';
import { Type, type Static, type TSchema } from 'typebox';

/** Response and request shapes of the API: validation, serialisation and the OpenAPI document all come from these. */

export const Millis = Type.Integer({ description: 'ms since the epoch' });
export const Value = Type.Union([Type.Number(), Type.Boolean(), Type.String()]);
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const LatestValueSchema = Type.Object({ value: Value, t: Millis });

export const DeviceSchema = Type.Object({
  id: Type.String(),
  gateway: Type.String(),
  profile: Type.String({ description: '"unknown" for a device seen only in telemetry' }),
  profileVersion: Nullable(Type.Integer()),
  profileKnown: Type.Boolean({ description: 'whether the hub has this profile; if not, values are stored unchecked' }),
  protocol: Nullable(Type.String()),
  labels: Type.Record(Type.String(), Type.String()),
  location: Nullable(LocationSchema),
  firstSeen: Millis,
  lastSeen: Nullable(Millis),
  latest: Type.Record(Type.String(), LatestValueSchema, { description: 'newest value of each point' }),
});
export type DeviceView = Static<typeof DeviceSchema>;

export const PointSummarySchema = Type.Object({
  name: Type.String(),
  type: Type.Enum(POINT_TYPES),
  unit: Type.Optional(Type.String()),
  access: Type.Enum(ACCESS),
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
});

export const DeviceDetailSchema = Type.Object({
  ...DeviceSchema.properties,
  points: Type.Array(PointSummarySchema, { description: 'the points of the device\'s profile (empty when the profile is unknown)' }),
});
export type DeviceDetailView = Static<typeof DeviceDetailSchema>;

export const ProfileSummarySchema = Type.Object({
  name: Type.String(),
  version: Type.Integer(),
  source: Type.Enum(['library', 'api'] as const),
  protocol: Type.String(),
  manufacturer: Type.Optional(Type.String()),
  model: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  points: Type.Integer({ description: 'number of points' }),
});

export const IdParamsSchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export const NameParamsSchema = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });
