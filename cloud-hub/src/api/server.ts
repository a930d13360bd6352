import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createServer as createHttpsServer } from 'node:https';
import type { Server } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyServerFactory } from 'fastify';
import { registerAlarmRoutes } from '../alarms/alarm-routes.js';
import type { ApiDeps, HubFastify } from './api-deps.js';
import { registerCommandRoutes } from '../commands/command-routes.js';
import { installAuditOfFailures } from '../audit/audit-failures.js';
import { registerAuditRoutes } from '../audit/audit-routes.js';
import { installAuth } from './auth-hook.js';
import { registerDeviceRoutes } from './device-routes.js';
import { installErrorHandling } from './error-handler.js';
import { registerEventRoutes } from './event-routes.js';
import { registerFleetRoutes } from '../fleet/fleet-routes.js';
import { registerGatewayRoutes } from './gateway-routes.js';
import { registerProfileRoutes } from './profile-routes.js';
import { installRateLimit } from './rate-limit.js';
import { registerSystemRoutes } from './system-routes.js';
import { registerTelemetryRoutes } from './telemetry-routes.js';
import { registerTenantRoutes } from '../tenancy/tenant-routes.js';
import { registerTokenRoutes } from '../tenancy/token-routes.js';

export type { ApiDeps, HubFastify } from './api-deps.js';

/**
 * The hub's HTTP API, ready to `listen()` or to be tested with `inject()`.
 * It does not listen by itself. With `https` it serves HTTPS with that key
 * and certificate chain.
 */
export async function buildServer(deps: ApiDeps, options: { https?: { key: string; cert: string } } = {}): Promise<HubFastify> {
  const { https } = options;
  // fastify types its server as node:http's; an HTTPS server answers the same requests.
  const serverFactory: FastifyServerFactory | undefined = https
    ? (handler) => createHttpsServer({ key: https.key, cert: https.cert }, handler) as unknown as Server
    : undefined;
  const app = Fastify({
    ...(serverFactory ? { serverFactory } : {}),
    loggerInstance: deps.logger as FastifyBaseLogger,
    // One compact line per request at debug (below) instead of two at info.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
  }).withTypeProvider<TypeBoxTypeProvider>();
  // TypeBox's own validator: it understands every schema device-profiles writes (including its `expected` notes).
  app.setValidatorCompiler(TypeBoxValidatorCompiler);

  await app.register(swagger, {
    openapi: {
      info: { title: 'Afferent hub API', version: '1', description: 'Devices, profiles, gateways, time series, alarms and commands of an Afferent hub.' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearerAuth: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  installErrorHandling(app);
  installAuth(app, deps.registry, deps.rateLimit && await installRateLimit(app, deps.rateLimit, deps.metrics));
  installAuditOfFailures(app, deps.registry, deps.logger);
  app.addHook('onResponse', async (request, reply) => {
    const line = { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) };
    if (reply.statusCode >= 500) request.log.warn(line, 'request failed');
    else request.log.debug(line, 'request');
  });

  registerSystemRoutes(app, deps);
  registerDeviceRoutes(app, deps);
  registerTelemetryRoutes(app, deps);
  registerProfileRoutes(app, deps);
  registerGatewayRoutes(app, deps);
  registerFleetRoutes(app, deps);
  registerEventRoutes(app, deps);
  registerCommandRoutes(app, deps);
  registerAlarmRoutes(app, deps);
  registerTenantRoutes(app, deps);
  registerTokenRoutes(app, deps);
  registerAuditRoutes(app, deps);
  return app;
}
