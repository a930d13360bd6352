import { Type } from 'typebox';
import type { ApiDeps, HubFastify } from './api-deps.js';
import {
  DeviceDetailSchema, DeviceSchema, IdParamsSchema, TelemetryQuerySchema, TelemetrySchema,
} from './api-schemas.js';
import { ApiError, errorResponses } from './errors.js';
import { parseTimeRange } from './time-range.js';
import { deviceDetailView, deviceView } from './views.js';

const DEFAULT_LIMIT = 10_000;

export function registerDeviceRoutes(app: HubFastify, deps: ApiDeps): void {
  const { registry, timeseries } = deps;
  const now = deps.now ?? Date.now;
  const findDevice = (id: string) => {
    const device = registry.devices.get(id);
    if (!device) throw new ApiError('device_not_found', `no device ${JSON.stringify(id)}`);
    return device;
  };

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
  }, async (request) => deviceDetailView(findDevice(request.params.id), registry, timeseries));

  app.get('/api/v1/devices/:id/telemetry', {
    schema: {
      tags: ['devices'],
      summary: 'Raw samples of a device in a time range (default: the last hour), oldest first',
      params: IdParamsSchema,
      querystring: TelemetryQuerySchema,
      response: { 200: TelemetrySchema, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const device = findDevice(request.params.id);
    const { from, to } = parseTimeRange(request.query, now());
    const limit = request.query.limit ?? DEFAULT_LIMIT;
    const result = timeseries.query({ device: device.id, from, to, limit, ...(request.query.point !== undefined ? { point: request.query.point } : {}) });
    return { device: device.id, from, to, points: result.points, truncated: result.truncated };
  });
}
