import type { FastifyRequest } from 'fastify';
import { ApiError } from '../api/errors.js';
import type { HubFastify } from '../api/api-deps.js';
import type { Logger } from '../logging/logger.js';
import type { Registry } from '../registry/registry.js';

/**
 * What an audited route did not do is worth recording too: a 403 (the role or
 * the tenant may not) is `refused`, any other error `failed`. Done actions are
 * recorded by the action itself, in its own transaction; this covers the
 * rest, after the answer. Requests without a valid token (401) and throttled
 * ones (429) are not recorded: there is no one to name, and a flood of them
 * must not become a flood of rows.
 */
export function installAuditOfFailures(app: HubFastify, registry: Registry, logger: Logger): void {
  const codes = new WeakMap<FastifyRequest, string>();
  app.addHook('onError', async (request, _reply, error) => {
    codes.set(request, error instanceof ApiError ? error.code : (error as { validation?: unknown }).validation ? 'invalid_request' : 'error');
  });
  app.addHook('onResponse', async (request, reply) => {
    const action = request.routeOptions.config.audit;
    const status = reply.statusCode;
    if (action === undefined || status < 400 || status === 401 || status === 429 || !request.identity) return;
    const params = request.params as { id?: string } | undefined;
    const body = request.body as { id?: unknown; name?: unknown } | undefined;
    const target = params?.id ?? (typeof body?.id === 'string' ? body.id : typeof body?.name === 'string' ? body.name : null);
    try {
      registry.audit.record({
        actor: request.identity, tenant: request.identity.tenant, action, target, outcome: status === 403 ? 'refused' : 'failed',
        details: { status, ...(codes.has(request) ? { code: codes.get(request) } : {}) },
      });
    } catch (error) {
      logger.error({ err: error, action }, 'could not record a refused or failed action in the audit log');
    }
  });
}
