import { Type } from 'typebox';
import type { ApiDeps, HubFastify } from './api-deps.js';
import { DeviceDetailSchema, DeviceSchema, IdParamsSchema } from './api-schemas.js';
import { errorResponses } from './errors.js';
import { labelQuerySchema, parseLabelQuery } from './label-query.js';
import { findDevice, TenantQuery } from './tenant-scope.js';
import { deviceDetailView, deviceView } from './views.js';

export function registerDeviceRoutes(app: HubFastify, deps: ApiDeps): void {
  const { registry, timeseries } = deps;

  app.get('/api/v1/devices', {
    schema: {
      tags: ['devices'],
      summary: 'Devices with their newest values; by gateway, by label',
      querystring: Type.Object({
        gateway: Type.Optional(Type.String({ minLength: 1, description: 'only the devices of this gateway' })),
        label: Type.Optional(labelQuerySchema('only devices that have all these labels')),
        ...TenantQuery,
      }),
      response: { 200: Type.Object({ devices: Type.Array(DeviceSchema) }), ...errorResponses(400, 401, 403) },
    },
  }, async (request) => {
    const { gateway, label } = request.query;
    const filter = { tenant: request.tenantScope, ...(gateway !== undefined ? { gateway } : {}), ...(label !== undefined ? { labels: parseLabelQuery(label) } : {}) };
    return { devices: registry.devices.list(filter).map((d) => deviceView(d, registry, timeseries)) };
  });

  app.get('/api/v1/devices/:id', {
    schema: {
      tags: ['devices'],
      summary: 'One device, its newest values and its profile\'s points',
      params: IdParamsSchema,
      response: { 200: DeviceDetailSchema, ...errorResponses(401, 403, 404) },
    },
  }, async (request) => deviceDetailView(findDevice(registry, request.params.id, request.tenantScope), registry, timeseries));
}
