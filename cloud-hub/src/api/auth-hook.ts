import type { FastifyRequest } from 'fastify';
import { roleAtLeast, type Role, type TokenIdentity, type TokenRegistry } from '../registry/token-registry.js';
import { ApiError } from './errors.js';
import type { HubFastify } from './api-deps.js';

/**
 * Bearer tokens with roles (viewer < operator < admin), checked before
 * anything else for every request. Deny by default: a route is public only
 * when it says so, or when it is the API documentation (/docs: it describes
 * the API and holds no data). Unknown routes need a token too, so probing
 * without one learns nothing.
 */
function requiredRole(request: FastifyRequest): Role | 'public' {
  const declared = request.routeOptions.config.role;
  if (declared !== undefined) return declared;
  const url = request.routeOptions.url;
  if (url !== undefined && (url === '/docs' || url.startsWith('/docs/'))) return 'public';
  return 'viewer';
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's token (its name and role), for every route that needs one; handlers record who did what with it. */
    identity?: TokenIdentity;
  }
}

export function installAuth(app: HubFastify, tokens: TokenRegistry): void {
  app.decorateRequest('identity', undefined);
  app.addHook('onRequest', async (request) => {
    const required = requiredRole(request);
    if (required === 'public') return;
    const match = /^Bearer +([^\s]+) *$/i.exec(request.headers.authorization ?? '');
    if (!match) throw new ApiError('unauthorized');
    const identity = tokens.identify(match[1]!);
    if (!identity) throw new ApiError('unauthorized', 'unknown or revoked token');
    if (!roleAtLeast(identity.role, required)) {
      throw new ApiError('forbidden', `this needs the ${required} role; the token "${identity.name}" has ${identity.role}`);
    }
    request.identity = identity;
  });
}
