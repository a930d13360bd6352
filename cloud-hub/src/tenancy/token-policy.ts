import { ApiError } from '../api/errors.js';
import { roleAtLeast, type Role, type TokenIdentity } from '../registry/token-registry.js';

/**
 * Which tokens a caller may create, as one pure function: never a role above
 * its own; a tenant's token only in its own tenant and never a platform token
 * (naming another tenant is refused whether or not it exists); a platform
 * caller says which tenant, or null for a platform token, because a token
 * that sees every tenant should never be made by leaving a field out.
 * Returns the new token's tenant (null: platform); throws ApiError.
 */
export function grantedTenant(caller: TokenIdentity, asked: { role: Role; tenant?: string | null }): string | null {
  if (!roleAtLeast(caller.role, asked.role)) {
    throw new ApiError('forbidden', `the token "${caller.name}" has the ${caller.role} role and cannot create a token with the ${asked.role} role`);
  }
  if (caller.tenant !== null) {
    if (asked.tenant === null) throw new ApiError('forbidden', `the token "${caller.name}" belongs to tenant ${caller.tenant} and cannot create platform tokens`);
    if (asked.tenant !== undefined && asked.tenant !== caller.tenant) {
      throw new ApiError('forbidden', `the token "${caller.name}" belongs to tenant ${caller.tenant} and creates tokens only in it`);
    }
    return caller.tenant;
  }
  if (asked.tenant === undefined) {
    throw new ApiError('invalid_request', 'body tenant: say which tenant the token sees (tenant: ID), or tenant: null for a platform token that sees every tenant');
  }
  return asked.tenant;
}
