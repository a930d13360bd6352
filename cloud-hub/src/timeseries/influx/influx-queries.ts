import { HttpError, InfluxDB, type QueryApi } from '@influxdata/influxdb-client';
import { oldestFirst, type SeriesValues } from '../query-result.js';
import type { Series, SeriesCatalog } from '../series-catalog.js';
import {
  TimeseriesUnavailableError, type AggregateQuery, type QueryResult, type RawQuery, type SampleValue,
} from '../timeseries-store.js';
import { aggregateFlux, rawFlux, type FluxRawQuery } from './flux-query-builder.js';
import type { InfluxTarget } from './influx-writer.js';

interface Row {
  _time: string;
  _value: SampleValue;
  _field: string;
  device: string;
}

/** Point names Flux queries accept (the wire contract's PointName); other names are stored but not queried. */
const QUERYABLE_POINT = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Raw and aggregated reads from InfluxDB. The series come from the local
 * catalog (so "every point" and numeric-only selection mean the same as in
 * the embedded store), the Flux from the safe builder; results are cut to
 * the limit over all series the same way as in the embedded store.
 */
export class InfluxQueries {
  private readonly api: QueryApi;
  private readonly bucket: string;

  constructor(target: InfluxTarget, private readonly catalog: SeriesCatalog) {
    this.api = new InfluxDB({ url: target.url, token: target.token, timeout: target.timeoutMs }).getQueryApi({ org: target.org, gzip: true });
    this.bucket = target.bucket;
  }

  async raw(q: RawQuery): Promise<QueryResult> {
    const series = this.select(this.catalog.select(q.devices, q.points));
    if (series.length === 0) return { devices: {}, truncated: false };
    const rows = await this.run(rawFlux(this.fluxQuery(series, q)));
    return oldestFirst(collect(series, rows, (t) => t), q.limit);
  }

  async aggregate(q: AggregateQuery): Promise<QueryResult> {
    const series = this.select(this.catalog.select(q.devices, q.points, q.fn));
    if (series.length === 0) return { devices: {}, truncated: false };
    const rows = await this.run(aggregateFlux({ ...this.fluxQuery(series, q), every: q.every, fn: q.fn }));
    // Flux starts the first window at the range start; the hub reports buckets aligned to the epoch.
    return oldestFirst(collect(series, rows, (t) => t - (t % q.every)), q.limit);
  }

  private select(series: Series[]): Series[] {
    return series.filter((s) => QUERYABLE_POINT.test(s.point));
  }

  private fluxQuery(series: Series[], q: RawQuery): FluxRawQuery {
    const byDevice = new Map<string, string[]>();
    for (const s of series) byDevice.set(s.device, [...(byDevice.get(s.device) ?? []), s.point]);
    return {
      bucket: this.bucket, series: [...byDevice].map(([device, points]) => ({ device, points })),
      from: q.from, to: q.to, limit: q.limit + 1,
    };
  }

  private async run(query: string): Promise<Row[]> {
    try {
      return await this.api.collectRows<Row>(query);
    } catch (error) {
      // A query the hub wrote and InfluxDB refuses is the hub's bug (500); anything else means InfluxDB is not there for us (503).
      if (error instanceof HttpError && error.statusCode === 400) throw new Error(`InfluxDB refused a query: ${error.message}`);
      throw new TimeseriesUnavailableError(`InfluxDB query failed: ${(error as Error).message}`);
    }
  }
}

/** Rows → one list per series, in the order of `series`, each oldest first. */
function collect(series: Series[], rows: Row[], bucket: (t: number) => number): SeriesValues[] {
  const out = new Map(series.map((s) => [`${s.device}\u0000${s.point}`, { device: s.device, point: s.point, values: [] } as SeriesValues]));
  for (const row of rows) {
    out.get(`${row.device}\u0000${row._field}`)?.values.push({ t: bucket(Date.parse(row._time)), v: row._value });
  }
  return [...out.values()];
}
