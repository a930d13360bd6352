import { Type } from 'typebox';
import type { ApiDeps, HubFastify } from '../api/api-deps.js';
import { ApiError, errorResponses } from '../api/errors.js';
import { TenantExistsError } from '../registry/tenant-registry.js';
import { CreateTenantSchema, TenantSchema } from './tenancy-schemas.js';

/** Tenants: made and listed by platform admins only (a tenant's tokens never learn of other tenants). */
export function registerTenantRoutes(app: HubFastify, deps: ApiDeps): void {
  const { registry } = deps;

  app.post('/api/v1/tenants', {
    config: { role: 'admin', platform: true, audit: 'tenant.create' },
    schema: {
      tags: ['tenants'],
      summary: 'Create a tenant (platform admins): then its gateways and tokens',
      body: CreateTenantSchema,
      response: { 201: TenantSchema, ...errorResponses(400, 401, 403, 409) },
    },
  }, async (request, reply) => {
    const { id, name } = request.body;
    const tenant = registry.atomically(() => {
      let created;
      try {
        created = registry.tenants.create(id, name);
      } catch (error) {
        if (error instanceof TenantExistsError) throw new ApiError('tenant_exists', `tenant ${JSON.stringify(id)} already exists`);
        throw error;
      }
      registry.audit.record({ actor: request.identity!, tenant: id, action: 'tenant.create', target: id, outcome: 'ok', details: { name: created.name } });
      return created;
    });
    return reply.status(201).send(tenant);
  });

  app.get('/api/v1/tenants', {
    config: { role: 'admin', platform: true },
    schema: {
      tags: ['tenants'],
      summary: 'Every tenant (platform admins)',
      response: { 200: Type.Object({ tenants: Type.Array(TenantSchema) }), ...errorResponses(401, 403) },
    },
  }, async () => ({ tenants: registry.tenants.list() }));
}
