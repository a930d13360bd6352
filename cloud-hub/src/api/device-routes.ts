import { Type } from 'typebox';
import type { DeviceRecord } from '../registry/device-registry.js';
import type { Registry } from '../registry/registry.js';
import type { ApiDeps, HubFastify } from './api-deps.js';
import { DeviceDetailSchema, DeviceSchema, IdParamsSchema } from './api-schemas.js';
import { ApiError, errorResponses } from './errors.js';
import { deviceDetailView, deviceView } from './views.js';

export function findDevice(registry: Registry, id: string): DeviceRecord {
  const device = registry.devices.get(id);
  if (!device) throw new ApiError('device_not_found', `no device ${JSON.stringify(id)}`);
  return device;
}

export function registerDeviceRoutes(app: HubFastify, deps: ApiDeps): void {
  const { registry, timeseries } = deps;

  app.get('/api/v1/devices', {
    schema: {
      tags: ['devices'],
      summary: 'Devices with their newest values',
      querystring: Type.Object({ gateway: Type.Optional(Type.String({ minLength: 1, description: 'only the devices of this gateway' })) }),
      response: { 200: Type.Object({ devices: Type.Array(DeviceSchema) }), ...errorResponses(400, 401, 403) },
    },
  }, async (request) => ({
    devices: registry.devices.list(request.query.gateway).map((d) => deviceView(d, registry, timeseries)),
  }));

  app.get('/api/v1/devices/:id', {
    schema: {
      tags: ['devices'],
      summary: 'One device, its newest values and its profile\'s points',
      params: IdParamsSchema,
      response: { 200: DeviceDetailSchema, ...errorResponses(401, 403, 404) },
    },
  }, async (request) => deviceDetailView(findDevice(registry, request.params.id), registry, timeseries));
}
