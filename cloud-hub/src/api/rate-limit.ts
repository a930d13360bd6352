import rateLimit from '@fastify/rate-limit';
import { formatDuration } from '@afferent/device-profiles';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { HubMetrics } from '../metrics/hub-metrics.js';
import type { HubFastify, RateLimitSettings } from './api-deps.js';
import { ApiError } from './errors.js';

/** Liveness probes and the API's own documentation: public, cheap, and holding no data. */
function exempt(request: FastifyRequest): boolean {
  const url = request.routeOptions.url ?? '';
  return url === '/healthz' || url === '/docs' || url.startsWith('/docs/');
}

/**
 * Per-token request limits (@fastify/rate-limit, fixed windows, counted in
 * this process). A request with a valid token counts against that token
 * (its id: one key per token, whatever it is sent from); one without (no
 * token, an unknown, revoked or expired one, and the public provisioning
 * exchange) against its client address, so guessing tokens is limited too.
 * Returns the hook that runs between finding the caller and authorizing it.
 */
export async function installRateLimit(app: HubFastify, settings: RateLimitSettings, metrics: HubMetrics): Promise<onRequestAsyncHookHandler> {
  await app.register(rateLimit, { global: false });
  const window = formatDuration(settings.windowMs);
  const by = (request: FastifyRequest) => (request.identity ? 'token' : 'address');
  return app.rateLimit({
    max: settings.max,
    timeWindow: settings.windowMs,
    keyGenerator: (request) => (request.identity ? `token:${request.identity.id}` : `address:${request.ip}`),
    allowList: (request) => exempt(request),
    onExceeded: (request) => metrics.rateLimited.inc({ by: by(request) }),
    errorResponseBuilder: (request, context) => new ApiError('rate_limited',
      `${request.identity ? `the token "${request.identity.name}"` : 'this address'} made more than ${context.max} requests in ${window}; try again in ${Math.ceil(context.ttl / 1000)} s (Retry-After)`),
  }) as onRequestAsyncHookHandler;
}
