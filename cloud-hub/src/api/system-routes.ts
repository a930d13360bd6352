import { Type } from 'typebox';
import type { ApiDeps, HubFastify } from './api-deps.js';
import { errorResponses } from './errors.js';

export function registerSystemRoutes(app: HubFastify, deps: ApiDeps): void {
  app.get('/healthz', {
    config: { role: 'public' },
    schema: {
      tags: ['system'],
      summary: 'Liveness: answers while the process serves requests (says nothing else, so it can be public)',
      security: [],
      response: { 200: Type.Object({ ok: Type.Literal(true) }) },
    },
  }, async () => ({ ok: true as const }));

  app.get('/metrics', {
    schema: {
      tags: ['system'],
      summary: 'Prometheus metrics (text exposition format)',
      produces: ['text/plain'],
      response: { 200: Type.String(), ...errorResponses(401, 403) },
    },
  }, async (_request, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
}
