import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Registry } from '../registry/registry.js';
import { roleAtLeast, type Role, type TokenIdentity } from '../registry/token-registry.js';
import type { HubFastify } from './api-deps.js';
import { ApiError } from './errors.js';

/**
 * Bearer tokens with roles (viewer < operator < admin) and tenants, checked
 * before anything else for every request. Deny by default: a route is public
 * only when it says so, or when it is the API documentation (/docs: it
 * describes the API and holds no data). Unknown routes need a token too, so
 * probing without one learns nothing.
 *
 * Two steps, so that the rate limit can sit between them and count a request
 * against its token (or, without a valid token, its address) before it is
 * refused: `authenticate` finds the caller, `authorize` decides.
 */
export function requiredRole(request: FastifyRequest): Role | 'public' {
  const declared = request.routeOptions.config.role;
  if (declared !== undefined) return declared;
  const url = request.routeOptions.url;
  if (url !== undefined && (url === '/docs' || url.startsWith('/docs/'))) return 'public';
  return 'viewer';
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's token (id, name, role, tenant), for every route that needs one; handlers record who did what with it. */
    identity?: TokenIdentity;
    /**
     * The one tenant this request sees: its token's, or the one a platform
     * token names with `?tenant=`. Undefined: every tenant (a platform token).
     */
    tenantScope?: string;
  }
}

const REFUSALS = { unknown: 'unknown token', revoked: 'this token was revoked', expired: 'this token has expired' } as const;

/** `between`: a hook that runs once the caller is known and before it is authorized (the rate limit). */
export function installAuth(app: HubFastify, registry: Registry, between?: onRequestAsyncHookHandler): void {
  app.decorateRequest('identity', undefined);
  app.decorateRequest('tenantScope', undefined);
  const refusal = new WeakMap<FastifyRequest, string>();

  app.addHook('onRequest', async (request) => {
    if (requiredRole(request) === 'public') return;
    const match = /^Bearer +([^\s]+) *$/i.exec(request.headers.authorization ?? '');
    if (!match) return;
    const checked = registry.tokens.check(match[1]!);
    if (typeof checked === 'string') refusal.set(request, REFUSALS[checked]);
    else request.identity = checked;
  });

  if (between) app.addHook('onRequest', between);

  app.addHook('onRequest', async (request) => {
    const required = requiredRole(request);
    if (required === 'public') return;
    const identity = request.identity;
    if (!identity) throw new ApiError('unauthorized', refusal.get(request));
    if (!roleAtLeast(identity.role, required)) {
      throw new ApiError('forbidden', `this needs the ${required} role; the token "${identity.name}" has ${identity.role}`);
    }
    if (request.routeOptions.config.platform && identity.tenant !== null) {
      throw new ApiError('forbidden', `this needs a platform token; the token "${identity.name}" belongs to tenant ${identity.tenant}`);
    }
    request.tenantScope = scopeOf(identity, (request.query as { tenant?: unknown } | undefined)?.tenant, registry);
  });
}

/** A tenant token sees its tenant and never names another; a platform token sees all, or the tenant it names. */
function scopeOf(identity: TokenIdentity, asked: unknown, registry: Registry): string | undefined {
  const named = typeof asked === 'string' && asked !== '' ? asked : undefined;
  if (identity.tenant !== null) {
    // Refused whether or not that tenant exists: the answer tells nothing about other tenants.
    if (named !== undefined && named !== identity.tenant) {
      throw new ApiError('forbidden', `the token "${identity.name}" belongs to tenant ${identity.tenant} and sees only that tenant`);
    }
    return identity.tenant;
  }
  if (named !== undefined && !registry.tenants.get(named)) throw new ApiError('tenant_not_found', `no tenant ${JSON.stringify(named)}`);
  return named;
}
