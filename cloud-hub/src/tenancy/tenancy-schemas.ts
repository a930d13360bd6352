import { DurationSchema } from '@afferent/device-profiles';
import { Type } from 'typebox';
import { Millis, Nullable } from '../api/api-schemas.js';
import { TenantId } from '../fleet/fleet-schemas.js';
import { ROLES } from '../registry/token-registry.js';

/** Request and response shapes of tenants and API tokens. */

export const TenantSchema = Type.Object({ id: Type.String(), name: Type.String(), created: Millis });

export const CreateTenantSchema = Type.Object(
  { id: TenantId, name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  { additionalProperties: false },
);

/** Ten years: the longest `expiresIn`. */
const MAX_EXPIRY_MS = 3650 * 86_400_000;

export const CreateTokenSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, description: 'who or what uses it: it is recorded as the author of commands, configs and audit entries' }),
    role: Type.Enum(ROLES, { description: 'viewer < operator < admin; at most the caller\'s own' }),
    tenant: Type.Optional(Nullable({ ...TenantId, description: 'the tenant it sees; null: a platform token (platform admins only). '
      + 'A tenant admin\'s tokens are in its tenant; a platform admin must say.' })),
    expiresIn: Type.Optional(Type.Union([DurationSchema, Type.Integer({ minimum: 1000, maximum: MAX_EXPIRY_MS })], {
      description: 'how long it works: a duration ("30d") or ms; default: until revoked',
      expected: 'a duration such as 30d, or ms',
    })),
  },
  { additionalProperties: false },
);

export const TokenSchema = Type.Object({
  id: Type.String({ description: 'not secret: how the token is listed and revoked' }),
  name: Type.String(),
  role: Type.Enum(ROLES),
  tenant: Nullable(Type.String({ description: 'null: a platform token, which sees every tenant' })),
  created: Millis,
  createdBy: Nullable(Type.String({ description: 'the id of the token that created it; null: the hub (the bootstrap admin)' })),
  expires: Nullable(Millis),
  lastUsed: Nullable(Type.Integer({ description: 'ms since the epoch, to the minute' })),
  revoked: Nullable(Millis),
});

export const CreatedTokenSchema = Type.Object({
  ...TokenSchema.properties,
  token: Type.String({ description: 'the bearer token: shown only here, the hub keeps only its SHA-256' }),
});
