import { formatDuration, parseDuration } from '@afferent/device-profiles';
import {
  TimeseriesQueryError, TimeseriesUnavailableError, type AggregateFunction, type QueryResult, type TimeseriesStore,
} from '../timeseries/timeseries-store.js';
import { ApiError } from './errors.js';
import { DEFAULT_LIMIT } from './telemetry-schemas.js';
import { parseTimeRange } from './time-range.js';

/** Raw samples are scanned one by one: a request may cover at most this much time. */
export const MAX_RAW_RANGE_MS = 31 * 86_400_000;
/** Buckets per series an aggregate request may span. */
export const MAX_BUCKETS = 100_000;

export interface TelemetryQueryText {
  points?: string;
  point?: string;
  from?: string;
  to?: string;
  every?: string;
  fn?: AggregateFunction;
  limit?: number;
  format?: 'json' | 'csv';
}

export interface TelemetryRequest {
  from: number;
  to: number;
  points?: string[];
  aggregate?: { every: number; fn: AggregateFunction };
  limit: number;
  csv: boolean;
}

/** Check a telemetry query string beyond its schema: time range, aggregation, limits, answer format. */
export function parseTelemetryRequest(query: TelemetryQueryText, accept: string | undefined, now: number): TelemetryRequest {
  const { from, to } = parseTimeRange(query, now);
  const names = [...(query.points?.split(',') ?? []), ...(query.point !== undefined ? [query.point] : [])];
  const points = names.length > 0 ? [...new Set(names)] : undefined;
  const csv = query.format === 'csv' || (query.format === undefined && (accept ?? '').includes('text/csv'));
  const limit = query.limit ?? DEFAULT_LIMIT;
  if (query.every === undefined) {
    if (query.fn !== undefined) throw new ApiError('invalid_request', `fn=${query.fn} needs every= (the bucket width, e.g. every=1m)`);
    if (to - from > MAX_RAW_RANGE_MS) {
      throw new ApiError('invalid_request', `raw samples: at most ${formatDuration(MAX_RAW_RANGE_MS)} per request, asked for ${formatDuration(to - from)}; `
        + 'aggregate with every= (e.g. every=1m) or ask for a shorter range');
    }
    return { from, to, ...(points ? { points } : {}), limit, csv };
  }
  const every = parseDuration(query.every);
  if (every < 1) throw new ApiError('invalid_request', `every: expected at least 1ms, got ${JSON.stringify(query.every)}`);
  const buckets = Math.floor(to / every) - Math.floor(from / every) + 1;
  if (buckets > MAX_BUCKETS) {
    throw new ApiError('invalid_request', `every=${query.every} makes ${buckets} buckets per point; at most ${MAX_BUCKETS}: use a wider every or a shorter range`);
  }
  return { from, to, ...(points ? { points } : {}), aggregate: { every, fn: query.fn ?? 'mean' }, limit, csv };
}

/** Ask the store, with its errors in the API's words. */
export async function runTelemetryQuery(store: TimeseriesStore, devices: readonly string[], request: TelemetryRequest): Promise<QueryResult> {
  const base = { devices, from: request.from, to: request.to, limit: request.limit, ...(request.points ? { points: request.points } : {}) };
  try {
    return request.aggregate ? await store.aggregate({ ...base, ...request.aggregate }) : await store.query(base);
  } catch (error) {
    if (error instanceof TimeseriesQueryError) throw new ApiError('invalid_request', error.message);
    if (error instanceof TimeseriesUnavailableError) throw new ApiError('timeseries_unavailable', error.message);
    throw error;
  }
}
