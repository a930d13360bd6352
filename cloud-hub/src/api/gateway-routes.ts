import { parseDuration } from '@afferent/device-profiles';
import { Type } from 'typebox';
import {
  CreateGatewaySchema, GatewayPatchSchema, GatewaySchema, GatewayWithTokenSchema, RotateSchema,
} from '../fleet/fleet-schemas.js';
import { gatewayView } from '../fleet/fleet-views.js';
import type { ApiDeps, HubFastify } from './api-deps.js';
import { IdParamsSchema } from './api-schemas.js';
import { errorResponses } from './errors.js';
import { labelQuerySchema, parseLabelQuery } from './label-query.js';
import { findGateway, TenantQuery, tenantForNew } from './tenant-scope.js';

const ms = (expiresIn: string | number | undefined) => (typeof expiresIn === 'string' ? parseDuration(expiresIn) : expiresIn);

/** Gateways: created with a provisioning token, listed with their health (the fleet view), disabled, rotated. */
export function registerGatewayRoutes(app: HubFastify, deps: ApiDeps): void {
  const { registry, provisioning, configs } = deps;

  app.post('/api/v1/gateways', {
    config: { role: 'admin', audit: 'gateway.create' },
    schema: {
      tags: ['gateways'],
      summary: 'Create a gateway and issue its one-time provisioning token (shown only here)',
      description: 'The gateway gets its own MQTT credentials by exchanging the token: `edge-agent provision --hub HUB --token TOKEN`. '
        + 'It belongs to `tenant`: a tenant admin\'s own (it may name no other); a platform admin names one, else `default`.',
      body: CreateGatewaySchema,
      response: { 201: GatewayWithTokenSchema, ...errorResponses(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const { expiresIn, tenant, ...fields } = request.body;
    const { gateway, provisioning: token } = provisioning.create(fields, tenantForNew(request, tenant, registry), request.identity!, ms(expiresIn));
    return reply.status(201).send({ gateway: gatewayView(gateway, configs), provisioning: token });
  });

  app.get('/api/v1/gateways', {
    schema: {
      tags: ['gateways'],
      summary: 'The fleet: each gateway\'s presence, version, backlog, device health and config versions',
      querystring: Type.Object({ label: Type.Optional(labelQuerySchema('only gateways that have all these labels')), ...TenantQuery }),
      response: { 200: Type.Object({ gateways: Type.Array(GatewaySchema) }), ...errorResponses(400, 401, 403) },
    },
  }, async (request) => {
    const labels = request.query.label === undefined ? undefined : parseLabelQuery(request.query.label);
    return { gateways: registry.gateways.list({ tenant: request.tenantScope, ...(labels ? { labels } : {}) }).map((g) => gatewayView(g, configs)) };
  });

  app.get('/api/v1/gateways/:id', {
    schema: { tags: ['gateways'], summary: 'One gateway', params: IdParamsSchema, response: { 200: GatewaySchema, ...errorResponses(401, 403, 404) } },
  }, async (request) => gatewayView(findGateway(registry, request.params.id, request.tenantScope), configs));

  app.patch('/api/v1/gateways/:id', {
    config: { role: 'admin', audit: 'gateway.update' },
    schema: {
      tags: ['gateways'],
      summary: 'Change name, labels, location, or enabled (false cuts its connections at once and refuses new ones)',
      params: IdParamsSchema,
      body: GatewayPatchSchema,
      response: { 200: GatewaySchema, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    findGateway(registry, request.params.id, request.tenantScope);
    return gatewayView(await provisioning.update(request.params.id, request.body, request.identity!), configs);
  });

  for (const [action, enabled] of [['disable', false], ['enable', true]] as const) {
    app.post(`/api/v1/gateways/:id/${action}`, {
      config: { role: 'admin', audit: `gateway.${action}` },
      schema: {
        tags: ['gateways'],
        summary: enabled ? 'Let the gateway connect again' : 'Cut the gateway\'s MQTT connections at once and refuse new ones',
        params: IdParamsSchema,
        response: { 200: GatewaySchema, ...errorResponses(401, 403, 404) },
      },
    }, async (request) => {
      findGateway(registry, request.params.id, request.tenantScope);
      return gatewayView(await provisioning.update(request.params.id, { enabled }, request.identity!), configs);
    });
  }

  app.post('/api/v1/gateways/:id/rotate', {
    config: { role: 'admin', audit: 'gateway.rotate' },
    schema: {
      tags: ['gateways'],
      summary: 'Withdraw the gateway\'s MQTT password now, cut its connections, and issue a new provisioning token',
      params: IdParamsSchema,
      // In the query, not a body: a rotation needs nothing more than the gateway's id.
      querystring: RotateSchema,
      response: { 200: GatewayWithTokenSchema, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    findGateway(registry, request.params.id, request.tenantScope);
    const { gateway, provisioning: token } = await provisioning.rotate(request.params.id, request.identity!, ms(request.query.expiresIn));
    return { gateway: gatewayView(gateway, configs), provisioning: token };
  });
}
