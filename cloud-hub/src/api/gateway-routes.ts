import { Type } from 'typebox';
import { GatewayExistsError } from '../registry/gateway-registry.js';
import type { ApiDeps, HubFastify } from './api-deps.js';
import { CreatedGatewaySchema, CreateGatewaySchema, GatewaySchema, IdParamsSchema } from './api-schemas.js';
import { ApiError, errorResponses } from './errors.js';
import { gatewayView } from './views.js';

export function registerGatewayRoutes(app: HubFastify, deps: ApiDeps): void {
  const { gateways } = deps.registry;

  app.post('/api/v1/gateways', {
    config: { role: 'admin' },
    schema: {
      tags: ['gateways'],
      summary: 'Create a gateway and issue its MQTT credentials (the password is shown only here)',
      body: CreateGatewaySchema,
      response: { 201: CreatedGatewaySchema, ...errorResponses(400, 401, 403, 409) },
    },
  }, async (request, reply) => {
    try {
      const { gateway, password } = await gateways.create(request.body.id, request.body.name);
      deps.logger.info({ gateway: gateway.id }, 'gateway created');
      return reply.status(201).send({ id: gateway.id, name: gateway.name, mqtt: { username: gateway.id, password } });
    } catch (error) {
      if (error instanceof GatewayExistsError) throw new ApiError('gateway_exists', `gateway ${JSON.stringify(error.id)} already exists`);
      throw error;
    }
  });

  app.get('/api/v1/gateways', {
    schema: {
      tags: ['gateways'],
      summary: 'Gateways: online state, last seen, version, backlog, device health',
      response: { 200: Type.Object({ gateways: Type.Array(GatewaySchema) }), ...errorResponses(401, 403) },
    },
  }, async () => ({ gateways: gateways.list().map(gatewayView) }));

  app.get('/api/v1/gateways/:id', {
    schema: {
      tags: ['gateways'],
      summary: 'One gateway',
      params: IdParamsSchema,
      response: { 200: GatewaySchema, ...errorResponses(401, 403, 404) },
    },
  }, async (request) => {
    const gateway = gateways.get(request.params.id);
    if (!gateway) throw new ApiError('gateway_not_found', `no gateway ${JSON.stringify(request.params.id)}`);
    return gatewayView(gateway);
  });
}
