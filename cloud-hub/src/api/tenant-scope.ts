import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { DeviceRecord } from '../registry/device-registry.js';
import type { GatewayRecord } from '../registry/gateway-registry.js';
import type { Registry } from '../registry/registry.js';
import { DEFAULT_TENANT } from '../registry/tenant-registry.js';
import { ApiError } from './errors.js';

/**
 * Tenant isolation at the API: every lookup by id goes through these, and a
 * resource of another tenant answers exactly as one that does not exist (the
 * same 404, the same message), so a tenant cannot even learn that it exists.
 * `scope` is `request.tenantScope`: undefined means every tenant.
 */

export function inScope(scope: string | undefined, tenant: string | null | undefined): boolean {
  return scope === undefined || tenant === scope;
}

export function findGateway(registry: Registry, id: string, scope: string | undefined): GatewayRecord {
  const gateway = registry.gateways.get(id);
  if (!gateway || !inScope(scope, gateway.tenant)) throw new ApiError('gateway_not_found', `no gateway ${JSON.stringify(id)}`);
  return gateway;
}

export function findDevice(registry: Registry, id: string, scope: string | undefined): DeviceRecord {
  const device = registry.devices.get(id);
  if (!device || !inScope(scope, registry.gateways.tenantOf(device.gateway))) throw new ApiError('device_not_found', `no device ${JSON.stringify(id)}`);
  return device;
}

/** `?tenant=`, for the listings' OpenAPI entries (the auth hook reads it for every route). */
export const TenantQuery = {
  tenant: Type.Optional(Type.String({ minLength: 1, description: 'platform tokens: only this tenant\'s (a tenant token always sees only its own)' })),
};

/**
 * The tenant a new gateway belongs to: a tenant admin's own (naming another
 * is refused, whether or not it exists); a platform admin's choice, else the
 * tenant it scoped the request to with `?tenant=`, else `default`.
 */
export function tenantForNew(request: FastifyRequest, asked: string | undefined, registry: Registry): string {
  const { tenant } = request.identity!;
  if (tenant !== null) {
    if (asked !== undefined && asked !== tenant) {
      throw new ApiError('forbidden', `the token "${request.identity!.name}" belongs to tenant ${tenant} and cannot act for another`);
    }
    return tenant;
  }
  const chosen = asked ?? request.tenantScope ?? DEFAULT_TENANT;
  if (!registry.tenants.get(chosen)) throw new ApiError('tenant_not_found', `no tenant ${JSON.stringify(chosen)}`);
  return chosen;
}
