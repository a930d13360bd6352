import { parseDuration } from '@afferent/device-profiles';
import { Type } from 'typebox';
import type { ApiDeps, HubFastify } from '../api/api-deps.js';
import { IdParamsSchema } from '../api/api-schemas.js';
import { ApiError, errorResponses } from '../api/errors.js';
import { inScope, TenantQuery } from '../api/tenant-scope.js';
import { CreatedTokenSchema, CreateTokenSchema, TokenSchema } from './tenancy-schemas.js';
import { grantedTenant } from './token-policy.js';

/**
 * API tokens through the API: created (the secret shown once), listed (never
 * a secret or a hash), revoked at once. Admins only; a tenant admin sees and
 * touches its tenant's tokens only, and another tenant's token answers as one
 * that does not exist.
 */
export function registerTokenRoutes(app: HubFastify, deps: ApiDeps): void {
  const { registry } = deps;
  // Real time, not the API's pinnable clock: expiry is checked against it on every request.
  const now = Date.now;

  app.post('/api/v1/tokens', {
    config: { role: 'admin', audit: 'token.create' },
    schema: {
      tags: ['tokens'],
      summary: 'Create an API token: the token is in this answer only',
      body: CreateTokenSchema,
      response: { 201: CreatedTokenSchema, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    const { name, role, expiresIn } = request.body;
    const caller = request.identity!;
    const tenant = grantedTenant(caller, request.body);
    if (tenant !== null && !registry.tenants.get(tenant)) throw new ApiError('tenant_not_found', `no tenant ${JSON.stringify(tenant)}`);
    const created = now();
    const expires = expiresIn === undefined ? null : created + (typeof expiresIn === 'string' ? parseDuration(expiresIn) : expiresIn);
    const { token, record } = registry.atomically(() => {
      const made = registry.tokens.create(role, name, { tenant, expires, createdBy: caller.id }, created);
      registry.audit.record({ actor: caller, tenant, action: 'token.create', target: made.record.id, outcome: 'ok', details: { name, role, expires } }, created);
      return made;
    });
    return reply.status(201).send({ ...record, token });
  });

  app.get('/api/v1/tokens', {
    config: { role: 'admin' },
    schema: {
      tags: ['tokens'],
      summary: 'API tokens: who, which role and tenant, when created, last used, expiring, revoked (never the token)',
      querystring: Type.Object({ ...TenantQuery }),
      response: { 200: Type.Object({ tokens: Type.Array(TokenSchema) }), ...errorResponses(401, 403, 404) },
    },
  }, async (request) => ({ tokens: registry.tokens.list(request.tenantScope) }));

  app.delete('/api/v1/tokens/:id', {
    config: { role: 'admin', audit: 'token.revoke' },
    schema: {
      tags: ['tokens'],
      summary: 'Revoke a token: the next request with it is refused (401)',
      params: IdParamsSchema,
      response: { 200: TokenSchema, ...errorResponses(401, 403, 404) },
    },
  }, async (request) => {
    const { id } = request.params;
    const found = registry.tokens.get(id);
    if (!found || !inScope(request.tenantScope, found.tenant)) throw new ApiError('token_not_found', `no API token ${JSON.stringify(id)}`);
    return registry.atomically(() => {
      const revoked = registry.tokens.revokeById(id, now())!;
      registry.audit.record({ actor: request.identity!, tenant: found.tenant, action: 'token.revoke', target: id, outcome: 'ok', details: { name: found.name } });
      return revoked;
    });
  });
}
