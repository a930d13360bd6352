import { Type } from 'typebox';
import type { ApiDeps, HubFastify } from '../api/api-deps.js';
import { Millis, Nullable } from '../api/api-schemas.js';
import { errorResponses } from '../api/errors.js';
import { TenantQuery } from '../api/tenant-scope.js';
import { parseTime } from '../api/time-range.js';
import { AUDIT_ACTIONS, AUDIT_OUTCOMES } from '../registry/audit-log.js';

export const AuditEntrySchema = Type.Object({
  id: Type.Integer(),
  t: Millis,
  actor: Type.Object({ id: Type.String({ description: 'the API token\'s id' }), name: Type.String() }),
  tenant: Nullable(Type.String({ description: 'the tenant the action concerns; null: the platform' })),
  action: Type.Enum(AUDIT_ACTIONS),
  target: Nullable(Type.String({ description: 'what it was done to: a gateway, token, tenant, alarm or command id' })),
  outcome: Type.Enum(AUDIT_OUTCOMES, { description: 'ok; refused (403: the role or the tenant may not); failed (another error)' }),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'what changed; never a secret' })),
});

const AuditQuerySchema = Type.Object({
  from: Type.Optional(Type.String({ description: 'ms since the epoch or ISO 8601' })),
  to: Type.Optional(Type.String({ description: 'ms since the epoch or ISO 8601' })),
  action: Type.Optional(Type.Enum(AUDIT_ACTIONS)),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 100, description: 'most entries, newest first' })),
  ...TenantQuery,
});

/** The audit log: admins read their tenant's entries; platform admins every entry, or one tenant's with ?tenant=. */
export function registerAuditRoutes(app: HubFastify, deps: ApiDeps): void {
  app.get('/api/v1/audit', {
    config: { role: 'admin' },
    schema: {
      tags: ['audit'],
      summary: 'Who did what, when, to what, with what outcome: admin actions and operators\' alarm and command actions, newest first',
      querystring: AuditQuerySchema,
      response: { 200: Type.Object({ entries: Type.Array(AuditEntrySchema) }), ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const { from, to, action, limit = 100 } = request.query;
    return {
      entries: deps.registry.audit.list({
        tenant: request.tenantScope, action, limit,
        ...(from !== undefined ? { from: parseTime(from, 'from') } : {}),
        ...(to !== undefined ? { to: parseTime(to, 'to') } : {}),
      }),
    };
  });
}
