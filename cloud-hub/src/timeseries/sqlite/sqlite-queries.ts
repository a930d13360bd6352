import type { SqliteDatabase, Statement } from '../../storage/sqlite.js';
import { oldestFirst, type SeriesValues } from '../query-result.js';
import { decodeValue, type Series, type SeriesCatalog } from '../series-catalog.js';
import {
  TimeseriesQueryError, type AggregateFunction, type AggregateQuery, type QueryResult, type RawQuery,
} from '../timeseries-store.js';
import { finish, mergeTiers, rawAggregateSql, rollupAggregateSql, type Partial } from './aggregate-sql.js';
import { MINUTE, type SeriesTiers } from './series-tiers.js';

/**
 * Reads of the embedded store, one series at a time (each a range scan of
 * its primary key, stopping at the limit), merged oldest first.
 *
 * Aggregates read two tiers per series: minute rollups below the time where
 * its raw samples were deleted (`rawBefore`), raw samples from there on; the
 * bucket where they meet is merged. In the rollup tier a minute counts at its
 * start, so there `from` and `to` act as whole minutes.
 */
export class SqliteQueries {
  private readonly rawRange: Statement<{ t: number; value: number | string }>;
  private readonly aggregates = new Map<string, Statement<Partial>>();

  constructor(private readonly db: SqliteDatabase, private readonly catalog: SeriesCatalog, private readonly tiers: SeriesTiers) {
    this.rawRange = db.prepare('SELECT t, value FROM samples WHERE series_id = ? AND t >= ? AND t <= ? ORDER BY t LIMIT ?');
  }

  raw(q: RawQuery): QueryResult {
    const series = this.catalog.select(q.devices, q.points).map((s): SeriesValues => ({
      device: s.device,
      point: s.point,
      values: this.rawRange.all(s.id, q.from, q.to, q.limit + 1).map((row) => ({ t: row.t, v: decodeValue(row.value, s.kind) })),
    }));
    return oldestFirst(series, q.limit);
  }

  aggregate(q: AggregateQuery): QueryResult {
    const series = this.catalog.select(q.devices, q.points, q.fn).map((s): SeriesValues => ({
      device: s.device,
      point: s.point,
      values: this.partials(s, q).map((p) => ({ t: p.b, v: finish(q.fn, p, s.kind) })),
    }));
    return oldestFirst(series, q.limit);
  }

  private partials(series: Series, q: AggregateQuery): Partial[] {
    const split = Math.min(Math.max(this.tiers.get(series.id).rawBefore, q.from), q.to + 1);
    const params = { series: series.id, every: q.every, limit: q.limit + 1 };
    let older: Partial[] = [];
    if (q.from < split) {
      if (q.every % MINUTE !== 0) {
        throw new TimeseriesQueryError(`${series.device}.${series.point} before ${new Date(split).toISOString()} is kept as 1-minute rollups: `
          + 'ask with every in whole minutes, or from a later time');
      }
      older = this.statement('rollup', q.fn).all({ ...params, from: q.from, until: split });
    }
    const newer = split <= q.to ? this.statement('raw', q.fn).all({ ...params, from: split, until: q.to + 1 }) : [];
    return mergeTiers(q.fn, older, newer);
  }

  private statement(tier: 'raw' | 'rollup', fn: AggregateFunction): Statement<Partial> {
    const key = `${tier}:${fn}`;
    let statement = this.aggregates.get(key);
    if (!statement) {
      statement = this.db.prepare<Partial>(tier === 'raw' ? rawAggregateSql(fn) : rollupAggregateSql(fn));
      this.aggregates.set(key, statement);
    }
    return statement;
  }
}
