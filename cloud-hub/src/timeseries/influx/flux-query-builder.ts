import { ID_PATTERN } from '@afferent/device-profiles';
import { flux, fluxDateTime, fluxExpression, fluxString } from '@influxdata/influxdb-client';
import { TimeseriesQueryError, type AggregateFunction } from '../timeseries-store.js';

/**
 * Flux for the hub's queries, built so that no parameter can change the
 * query: every value is first checked against a strict pattern or a
 * whitelist (and refused otherwise), then inserted through the client's
 * `flux` template, which writes strings as escaped string literals and times
 * as `time(v: "...")`. The only text inserted unescaped is what this file
 * writes itself: function names from the whitelist below, a duration built
 * from a checked integer, and `or` chains of sanitised comparisons.
 *
 * Points are fields, devices the `device` tag (see README: InfluxDB layout).
 */

export interface FluxRawQuery {
  bucket: string;
  /** Exactly these series: each device with its points. */
  series: readonly { device: string; points: readonly string[] }[];
  from: number;
  to: number;
  /** Rows per series (device, point); the caller cuts the total. */
  limit: number;
}

export interface FluxAggregateQuery extends FluxRawQuery {
  every: number;
  fn: AggregateFunction;
}

/** Flux identifiers by function name; nothing else is ever written as a function. */
const FUNCTIONS: Readonly<Record<AggregateFunction, string>> = Object.freeze({
  mean: 'mean', min: 'min', max: 'max', sum: 'sum', count: 'count', first: 'first', last: 'last',
});

const DEVICE = new RegExp(ID_PATTERN);
const POINT = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Bucket names are free text in InfluxDB; refuse only what has no business in one. */
const BUCKET = /^[^\p{Cc}]{1,256}$/u;
const MAX_TIME = Date.UTC(2262, 0, 1); // InfluxDB's int64 nanoseconds end in 2262

export class FluxParameterError extends TimeseriesQueryError {}

function check(ok: boolean, what: string, value: unknown): void {
  if (!ok) throw new FluxParameterError(`not a valid ${what} for a Flux query: ${JSON.stringify(value)}`);
}

function checkCommon(q: FluxRawQuery): void {
  check(typeof q.bucket === 'string' && BUCKET.test(q.bucket), 'bucket', q.bucket);
  check(Array.isArray(q.series) && q.series.length > 0, 'series list', q.series);
  for (const { device, points } of q.series) {
    check(typeof device === 'string' && DEVICE.test(device), 'device id', device);
    check(Array.isArray(points) && points.length > 0, 'point list', points);
    for (const point of points) check(typeof point === 'string' && POINT.test(point), 'point name', point);
  }
  for (const t of [q.from, q.to]) check(Number.isSafeInteger(t) && t >= 0 && t < MAX_TIME, 'time (ms)', t);
  check(q.from <= q.to, 'range (from after to)', [q.from, q.to]);
  check(Number.isSafeInteger(q.limit) && q.limit > 0, 'limit', q.limit);
}

/**
 * `(r.device == "a" and (r._field == "x" or r._field == "y")) or …`: exactly
 * the series asked for (not every point of every device: a numeric function
 * must not meet another device's string point). Each comparison is sanitised
 * by `flux`; the column names are fixed here.
 */
function seriesFilter(series: FluxRawQuery['series']) {
  const perDevice = series.map(({ device, points }) => {
    const fields = points.map((point) => flux`r._field == ${fluxString(point)}`.toString()).join(' or ');
    return `(${flux`r.device == ${fluxString(device)}`.toString()} and (${fields}))`;
  });
  return fluxExpression(perDevice.join(' or '));
}

/** The part both queries share: the range, the series, one table per (device, point) in time order. */
function selection(q: FluxRawQuery) {
  // Range stop is exclusive in Flux; `to` is inclusive here.
  return flux`from(bucket: ${fluxString(q.bucket)})
  |> range(start: ${fluxDateTime(new Date(q.from).toISOString())}, stop: ${fluxDateTime(new Date(q.to + 1).toISOString())})
  |> filter(fn: (r) => ${seriesFilter(q.series)})
  |> group(columns: ["device", "_field"])
  |> sort(columns: ["_time"])`;
}

export function rawFlux(q: FluxRawQuery): string {
  checkCommon(q);
  return flux`${selection(q)}
  |> limit(n: ${q.limit})
  |> keep(columns: ["_time", "_value", "_field", "device"])`.toString();
}

export function aggregateFlux(q: FluxAggregateQuery): string {
  checkCommon(q);
  check(Number.isSafeInteger(q.every) && q.every > 0, 'bucket width (ms)', q.every);
  check(Object.hasOwn(FUNCTIONS, q.fn), 'aggregate function', q.fn);
  const every = fluxExpression(`${q.every}ms`);
  const fn = fluxExpression(FUNCTIONS[q.fn]);
  return flux`${selection(q)}
  |> aggregateWindow(every: ${every}, fn: ${fn}, timeSrc: "_start", createEmpty: false)
  |> limit(n: ${q.limit})
  |> keep(columns: ["_time", "_value", "_field", "device"])`.toString();
}
