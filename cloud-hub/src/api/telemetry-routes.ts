import type { FastifyReply } from 'fastify';
import type { QueryResult } from '../timeseries/timeseries-store.js';
import type { ApiDeps, HubFastify } from './api-deps.js';
import { IdParamsSchema } from './api-schemas.js';
import { ApiError, errorResponses } from './errors.js';
import { parseLabelQuery } from './label-query.js';
import { CSV_TYPE, telemetryCsv } from './telemetry-csv.js';
import { parseTelemetryRequest, runTelemetryQuery, type TelemetryRequest } from './telemetry-request.js';
import { findDevice } from './tenant-scope.js';
import {
  DeviceLatestSchema, DeviceTelemetryQuerySchema, DeviceTelemetrySchema, LabelTelemetryQuerySchema, LabelTelemetrySchema,
} from './telemetry-schemas.js';

/** Devices matched by one label query, at most. */
export const MAX_LABEL_DEVICES = 1000;

const ANSWERS = 'JSON, or CSV (`device,point,t,time,value`) with `Accept: text/csv` or `format=csv`.';

/** The answer's shape fields, the same for one device and for a label query. */
function shape(request: TelemetryRequest, result: QueryResult) {
  return { from: request.from, to: request.to, ...(request.aggregate ?? {}), truncated: result.truncated };
}

function sendCsv(reply: FastifyReply, result: QueryResult, name: string) {
  return reply.type(CSV_TYPE).header('content-disposition', `attachment; filename="${name}.csv"`).send(telemetryCsv(result));
}

export function registerTelemetryRoutes(app: HubFastify, deps: ApiDeps): void {
  const { registry, timeseries } = deps;
  const now = deps.now ?? Date.now;

  app.get('/api/v1/devices/:id/telemetry', {
    schema: {
      tags: ['telemetry'],
      summary: 'Samples of a device in a time range (default: the last hour), raw or aggregated with every= and fn=',
      description: ANSWERS,
      params: IdParamsSchema,
      querystring: DeviceTelemetryQuerySchema,
      produces: ['application/json', 'text/csv'],
      response: { 200: DeviceTelemetrySchema, ...errorResponses(400, 401, 403, 404, 503) },
    },
  }, async (request, reply) => {
    const device = findDevice(registry, request.params.id, request.tenantScope);
    const query = parseTelemetryRequest(request.query, request.headers.accept, now());
    const result = await runTelemetryQuery(timeseries, [device.id], query);
    if (query.csv) return sendCsv(reply, result, `${device.id}-telemetry`);
    return { device: device.id, ...shape(query, result), points: result.devices[device.id] ?? {} };
  });

  app.get('/api/v1/devices/:id/latest', {
    schema: {
      tags: ['telemetry'],
      summary: 'The newest value of each point of a device',
      params: IdParamsSchema,
      response: { 200: DeviceLatestSchema, ...errorResponses(401, 403, 404) },
    },
  }, async (request) => {
    const device = findDevice(registry, request.params.id, request.tenantScope);
    return { device: device.id, latest: timeseries.latest(device.id) };
  });

  app.get('/api/v1/telemetry', {
    schema: {
      tags: ['telemetry'],
      summary: 'Samples of every device that has all the given labels, raw or aggregated',
      description: `${ANSWERS} At most ${MAX_LABEL_DEVICES} devices per query.`,
      querystring: LabelTelemetryQuerySchema,
      produces: ['application/json', 'text/csv'],
      response: { 200: LabelTelemetrySchema, ...errorResponses(400, 401, 403, 503) },
    },
  }, async (request, reply) => {
    const labels = parseLabelQuery(request.query.labels);
    const query = parseTelemetryRequest(request.query, request.headers.accept, now());
    const devices = registry.devices.list({ labels, tenant: request.tenantScope }).map((d) => d.id);
    if (devices.length > MAX_LABEL_DEVICES) {
      throw new ApiError('invalid_request', `labels ${request.query.labels} match ${devices.length} devices; at most ${MAX_LABEL_DEVICES}: add a label`);
    }
    const result = devices.length > 0 ? await runTelemetryQuery(timeseries, devices, query) : { devices: {}, truncated: false };
    if (query.csv) return sendCsv(reply, result, 'telemetry');
    return { labels, ...shape(query, result), devices: result.devices };
  });
}
