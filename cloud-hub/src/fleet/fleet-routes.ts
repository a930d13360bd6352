import { ProvisionRequestSchema, ProvisionResponseSchema, PROVISION_PATH } from '@afferent/device-profiles';
import type { ApiDeps, HubFastify } from '../api/api-deps.js';
import { IdParamsSchema } from '../api/api-schemas.js';
import { errorResponses } from '../api/errors.js';
import { findGateway } from '../api/tenant-scope.js';
import { GatewayConfigSchema, PushConfigSchema } from './fleet-schemas.js';

/** Provisioning (the gateway's side) and desired configurations. */
export function registerFleetRoutes(app: HubFastify, deps: ApiDeps): void {
  const { registry, provisioning, configs } = deps;

  app.post(PROVISION_PATH, {
    // The token is the credential: a gateway has no API token.
    config: { role: 'public' },
    schema: {
      tags: ['gateways'],
      summary: 'Exchange a one-time provisioning token for the gateway\'s MQTT credentials',
      description: 'Used by `edge-agent provision`. A token works once, before it expires; the gateway\'s previous password stops working.',
      security: [],
      body: ProvisionRequestSchema,
      response: { 200: ProvisionResponseSchema, ...errorResponses(400, 401, 403, 410) },
    },
  }, async (request) => provisioning.exchange(request.body.token));

  const configView = (gateway: string) => {
    const latest = configs.latest(gateway);
    const { sync, error } = configs.report(gateway);
    return {
      gateway,
      desired: latest ? {
        version: latest.version, devices: latest.devices, deviceCount: latest.published.devices.length,
        created: latest.created, createdBy: latest.createdBy,
      } : null,
      reported: registry.gateways.get(gateway)!.config,
      sync,
      ...(error !== undefined ? { error } : {}),
    };
  };

  app.put('/api/v1/gateways/:id/config', {
    config: { role: 'admin', audit: 'config.push' },
    schema: {
      tags: ['gateways'],
      summary: 'Set the gateway\'s devices: checked against the hub\'s profiles, stored as the next version, published to the gateway',
      description: 'The gateway applies it without a restart, or refuses it and keeps running what it has; GET …/config shows which.',
      params: IdParamsSchema,
      body: PushConfigSchema,
      response: { 200: GatewayConfigSchema, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    findGateway(registry, request.params.id, request.tenantScope);
    configs.push(request.params.id, request.body.devices, request.identity!);
    return configView(request.params.id);
  });

  app.get('/api/v1/gateways/:id/config', {
    schema: {
      tags: ['gateways'],
      summary: 'The desired configuration and what the gateway reports, side by side',
      params: IdParamsSchema,
      response: { 200: GatewayConfigSchema, ...errorResponses(401, 403, 404) },
    },
  }, async (request) => configView(findGateway(registry, request.params.id, request.tenantScope).id));
}
