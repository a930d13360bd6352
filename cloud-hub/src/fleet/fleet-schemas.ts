import {
  BacklogSchema, ConfigStateSchema, DeviceHealthSchema, DurationSchema, GatewayId, ID_PATTERN, LabelsSchema, LocationSchema,
} from '@afferent/device-profiles';
import { Type, type Static } from 'typebox';
import { Millis, Nullable } from '../api/api-schemas.js';

/** Request and response shapes of the fleet routes: gateways, provisioning, desired configs. */

const ExpiresIn = Type.Union([DurationSchema, Type.Integer({ minimum: 1000, maximum: 30 * 86_400_000 })], {
  description: 'how long the provisioning token works: a duration ("24h") or ms; default the hub\'s provisioning.tokenExpiry (24h)',
  expected: 'a duration such as 24h, or ms',
});

export const ConfigReportSchema = Type.Object({
  desired: Nullable(Type.Integer({ description: 'the newest desired config version' })),
  applied: Nullable(Type.Integer({ description: 'the version the gateway last applied (0: its own file)' })),
  sync: Type.Enum(['none', 'in-sync', 'pending', 'rejected'] as const, {
    description: 'none: no desired config; pending: not confirmed yet; rejected: the gateway refused the desired version (error says why)',
  }),
  error: Type.Optional(Type.String()),
});

/** Tenant ids appear in URLs and the audit log: the same rules as gateway ids. */
export const TenantId = Type.String({
  pattern: ID_PATTERN,
  description: 'a tenant: a city department or a customer',
  expected: 'a tenant id: letters, digits, ".", "_" and "-", starting with a letter or digit (at most 64)',
});

export const GatewaySchema = Type.Object({
  id: Type.String(),
  tenant: Type.String({ description: 'the tenant it belongs to, given at creation' }),
  name: Type.String(),
  labels: Type.Record(Type.String(), Type.String()),
  location: Nullable(LocationSchema),
  enabled: Type.Boolean(),
  provisioned: Type.Boolean({ description: 'whether it holds MQTT credentials (it exchanged a provisioning token since it was created or rotated)' }),
  created: Millis,
  online: Type.Boolean(),
  lastSeen: Nullable(Millis),
  version: Nullable(Type.String({ description: 'the agent\'s version' })),
  backlog: Nullable(BacklogSchema),
  devices: Type.Record(Type.String(), DeviceHealthSchema, { description: 'device health as the gateway last reported it' }),
  config: ConfigReportSchema,
});
export type GatewayView = Static<typeof GatewaySchema>;

export const CreateGatewaySchema = Type.Object(
  {
    id: GatewayId,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    labels: Type.Optional(LabelsSchema),
    location: Type.Optional(LocationSchema),
    expiresIn: Type.Optional(ExpiresIn),
    tenant: Type.Optional(TenantId),
  },
  { additionalProperties: false },
);

export const GatewayPatchSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    labels: Type.Optional(LabelsSchema),
    location: Type.Optional(Nullable(LocationSchema)),
    enabled: Type.Optional(Type.Boolean({ description: 'false cuts the gateway\'s connections at once and refuses new ones' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const RotateSchema = Type.Object({ expiresIn: Type.Optional(ExpiresIn) });

export const ProvisioningTokenSchema = Type.Object({
  token: Type.String({ description: 'one-time: exchange it on the gateway with `edge-agent provision --hub HUB --token TOKEN`; shown only here' }),
  expires: Millis,
  hub: Type.String({ description: 'the API URL the gateway exchanges the token at' }),
});

export const GatewayWithTokenSchema = Type.Object({ gateway: GatewaySchema, provisioning: ProvisioningTokenSchema });

export const PushConfigSchema = Type.Object(
  { devices: Type.Array(Type.Unknown(), { description: 'device instances and templates (for: {n: 1-40}), as in an agent\'s configuration file' }) },
  { additionalProperties: false },
);

export const GatewayConfigSchema = Type.Object({
  gateway: Type.String(),
  desired: Nullable(Type.Object({
    version: Type.Integer(),
    devices: Type.Array(Type.Unknown(), { description: 'as pushed: templates not expanded' }),
    deviceCount: Type.Integer({ description: 'devices once templates are expanded' }),
    created: Millis,
    createdBy: Type.String(),
  })),
  reported: Type.Object({
    applied: Nullable(Type.Integer()),
    last: Nullable(ConfigStateSchema),
  }),
  sync: ConfigReportSchema.properties.sync,
  error: ConfigReportSchema.properties.error,
});
