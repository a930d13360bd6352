import type { SqliteDatabase, Statement } from '../../storage/sqlite.js';
import { oldestFirst, type SeriesValues } from '../query-result.js';
import { decodeValue, type Series, type SeriesCatalog } from '../series-catalog.js';
import {
  TimeseriesQueryError, type AggregateFunction, type AggregateQuery, type QueryResult, type RawQuery,
} from '../timeseries-store.js';
import { finish, mergeTiers, rawAggregateSql, rollupAggregateSql, type Partial } from './aggregate-sql.js';
import { MINUTE, type SeriesTiers } from './series-tiers.js';

interface Piece {
  tier: 'raw' | 'rollup';
  from: number;
  until: number;
}

/**
 * Reads of the embedded store, one series at a time (each a range scan of
 * its primary key, stopping at the limit), merged oldest first.
 *
 * Aggregates read two tiers per series (see `pieces`); a bucket where they
 * meet is merged from both. Below `rawBefore` only rollups remain, and a
 * minute counts at its start, so there `from` and `to` act as whole minutes.
 */
export class SqliteQueries {
  private readonly rawRange: Statement<{ t: number; value: number | string }>;
  private readonly aggregates = new Map<string, Statement<Partial>>();
  private readonly dirty: Statement<{ one: number }>;

  constructor(private readonly db: SqliteDatabase, private readonly catalog: SeriesCatalog, private readonly tiers: SeriesTiers) {
    this.rawRange = db.prepare('SELECT t, value FROM samples WHERE series_id = ? AND t >= ? AND t <= ? ORDER BY t LIMIT ?');
    this.dirty = db.prepare('SELECT 1 AS one FROM rollup_dirty WHERE series_id = ? AND bucket >= ? AND bucket < ? LIMIT 1');
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
    const params = { series: series.id, every: q.every, limit: q.limit + 1 };
    return this.pieces(series, q)
      .map((piece) => this.statement(piece.tier, q.fn).all({ ...params, from: piece.from, until: piece.until }))
      .reduce((older, newer) => mergeTiers(q.fn, older, newer), []);
  }

  /**
   * Which tier answers which part of [from, to], oldest first: rollups below
   * `rawBefore` (raw samples are gone there), raw samples after. With buckets
   * of whole minutes, rolled-up minutes that lie wholly in the range are read
   * from rollups too (a minute's rollup is its samples already aggregated:
   * the same answer, ~60 times fewer rows), unless one of them is dirty.
   */
  private pieces(series: Series, q: AggregateQuery): Piece[] {
    const tier = this.tiers.get(series.id);
    const end = q.to + 1;
    const minutes = q.every % MINUTE === 0;
    const split = Math.min(Math.max(tier.rawBefore, q.from), end);
    const pieces: Piece[] = [];
    if (q.from < split) {
      if (!minutes) {
        throw new TimeseriesQueryError(`${series.device}.${series.point} before ${new Date(split).toISOString()} is kept as 1-minute rollups: `
          + 'ask with every in whole minutes, or from a later time');
      }
      pieces.push({ tier: 'rollup', from: q.from, until: split });
    }
    if (split === end) return pieces;
    const rolledFrom = Math.ceil(split / MINUTE) * MINUTE;
    const rolledUntil = Math.min(end - (end % MINUTE), tier.rolledUntil);
    if (!minutes || rolledFrom >= rolledUntil || this.dirty.get(series.id, rolledFrom, rolledUntil)) {
      pieces.push({ tier: 'raw', from: split, until: end });
      return pieces;
    }
    if (split < rolledFrom) pieces.push({ tier: 'raw', from: split, until: rolledFrom });
    pieces.push({ tier: 'rollup', from: rolledFrom, until: rolledUntil });
    if (rolledUntil < end) pieces.push({ tier: 'raw', from: rolledUntil, until: end });
    return pieces;
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
