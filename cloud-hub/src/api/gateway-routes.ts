import { parseDuration } from '@afferent/device-profiles';
import { Type } from 'typebox';
import {
  CreateGatewaySchema, GatewayPatchSchema, GatewaySchema, GatewayWithTokenSchema, RotateSchema,
} from '../fleet/fleet-schemas.js';
import { gatewayView } from '../fleet/fleet-views.js';
import type { ApiDeps, HubFastify } from './api-deps.js';
import { IdParamsSchema } from './api-schemas.js';
import { ApiError, errorResponses } from './errors.js';
import { labelQuerySchema, parseLabelQuery } from './label-query.js';

const ms = (expiresIn: string | number | undefined) => (typeof expiresIn === 'string' ? parseDuration(expiresIn) : expiresIn);

/** Gateways: created with a provisioning token, listed with their health (the fleet view), disabled, rotated. */
export function registerGatewayRoutes(app: HubFastify, deps: ApiDeps): void {
  const { registry, provisioning, configs } = deps;
  const view = (id: string) => {
    const gateway = registry.gateways.get(id);
    if (!gateway) throw new ApiError('gateway_not_found', `no gateway ${JSON.stringify(id)}`);
    return gatewayView(gateway, configs);
  };

  app.post('/api/v1/gateways', {
    config: { role: 'admin' },
    schema: {
      tags: ['gateways'],
      summary: 'Create a gateway and issue its one-time provisioning token (shown only here)',
      description: 'The gateway gets its own MQTT credentials by exchanging the token: `edge-agent provision --hub HUB --token TOKEN`.',
      body: CreateGatewaySchema,
      response: { 201: GatewayWithTokenSchema, ...errorResponses(400, 401, 403, 409) },
    },
  }, async (request, reply) => {
    const { expiresIn, ...fields } = request.body;
    const { gateway, provisioning: token } = provisioning.create(fields, ms(expiresIn));
    return reply.status(201).send({ gateway: gatewayView(gateway, configs), provisioning: token });
  });

  app.get('/api/v1/gateways', {
    schema: {
      tags: ['gateways'],
      summary: 'The fleet: each gateway\'s presence, version, backlog, device health and config versions',
      querystring: Type.Object({ label: Type.Optional(labelQuerySchema('only gateways that have all these labels')) }),
      response: { 200: Type.Object({ gateways: Type.Array(GatewaySchema) }), ...errorResponses(400, 401, 403) },
    },
  }, async (request) => {
    const labels = request.query.label === undefined ? undefined : parseLabelQuery(request.query.label);
    return { gateways: registry.gateways.list(labels ? { labels } : {}).map((g) => gatewayView(g, configs)) };
  });

  app.get('/api/v1/gateways/:id', {
    schema: { tags: ['gateways'], summary: 'One gateway', params: IdParamsSchema, response: { 200: GatewaySchema, ...errorResponses(401, 403, 404) } },
  }, async (request) => view(request.params.id));

  app.patch('/api/v1/gateways/:id', {
    config: { role: 'admin' },
    schema: {
      tags: ['gateways'],
      summary: 'Change name, labels, location, or enabled (false cuts its connections at once and refuses new ones)',
      params: IdParamsSchema,
      body: GatewayPatchSchema,
      response: { 200: GatewaySchema, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => gatewayView(await provisioning.update(request.params.id, request.body), configs));

  for (const [action, enabled] of [['disable', false], ['enable', true]] as const) {
    app.post(`/api/v1/gateways/:id/${action}`, {
      config: { role: 'admin' },
      schema: {
        tags: ['gateways'],
        summary: enabled ? 'Let the gateway connect again' : 'Cut the gateway\'s MQTT connections at once and refuse new ones',
        params: IdParamsSchema,
        response: { 200: GatewaySchema, ...errorResponses(401, 403, 404) },
      },
    }, async (request) => gatewayView(await provisioning.update(request.params.id, { enabled }), configs));
  }

  app.post('/api/v1/gateways/:id/rotate', {
    config: { role: 'admin' },
    schema: {
      tags: ['gateways'],
      summary: 'Withdraw the gateway\'s MQTT password now, cut its connections, and issue a new provisioning token',
      params: IdParamsSchema,
      // In the query, not a body: a rotation needs nothing more than the gateway's id.
      querystring: RotateSchema,
      response: { 200: GatewayWithTokenSchema, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const { gateway, provisioning: token } = await provisioning.rotate(request.params.id, ms(request.query.expiresIn));
    return { gateway: gatewayView(gateway, configs), provisioning: token };
  });
}
