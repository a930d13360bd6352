import type { SqlValue, SqliteDatabase, Statement } from '../../storage/sqlite.js';
import { MINUTE } from './series-tiers.js';

/**
 * Minute rollups of the embedded store: count, sum, min, max, first and last
 * per series per minute (sum, min and max only for number series).
 */
export class Rollups {
  private readonly s: {
    rollUp: Statement;
    merge: Statement;
    markDirty: Statement;
    dirty: Statement<{ bucket: number }>;
    clearDirty: Statement;
    firstRaw: Statement<{ t: number | null }>;
    deleteRaw: Statement;
    deleteRollups: Statement;
  };

  constructor(db: SqliteDatabase) {
    this.s = {
      // Recomputed from raw samples, so rolling a minute up again (late samples, a crash half way) is exact.
      rollUp: db.prepare(`WITH g AS (
          SELECT t - t % ${MINUTE} AS b, count(*) AS c, sum(value) AS s, min(value) AS lo, max(value) AS hi, min(t) AS ft, max(t) AS lt
          FROM samples WHERE series_id = @series AND t >= @from AND t < @until GROUP BY b)
        INSERT OR REPLACE INTO rollups (series_id, bucket, count, sum, min, max, first_t, first, last_t, last)
        SELECT @series, g.b, g.c, iif(@numeric, g.s, NULL), iif(@numeric, g.lo, NULL), iif(@numeric, g.hi, NULL), g.ft, f.value, g.lt, l.value
        FROM g JOIN samples f ON f.series_id = @series AND f.t = g.ft JOIN samples l ON l.series_id = @series AND l.t = g.lt`),
      // A sample older than the raw retention: folded into its minute directly (SET sees the old row's values).
      merge: db.prepare(`INSERT INTO rollups (series_id, bucket, count, sum, min, max, first_t, first, last_t, last)
        VALUES (@series, @bucket, 1, @num, @num, @num, @t, @value, @t, @value)
        ON CONFLICT (series_id, bucket) DO UPDATE SET count = count + 1,
          sum = sum + excluded.sum, min = min(min, excluded.min), max = max(max, excluded.max),
          first = iif(excluded.first_t < first_t, excluded.first, first), first_t = min(first_t, excluded.first_t),
          last = iif(excluded.last_t >= last_t, excluded.last, last), last_t = max(last_t, excluded.last_t)`),
      markDirty: db.prepare('INSERT OR IGNORE INTO rollup_dirty (series_id, bucket) VALUES (?, ?)'),
      dirty: db.prepare('SELECT bucket FROM rollup_dirty WHERE series_id = ? ORDER BY bucket'),
      clearDirty: db.prepare('DELETE FROM rollup_dirty WHERE series_id = ?'),
      firstRaw: db.prepare('SELECT min(t) AS t FROM samples WHERE series_id = ? AND t >= ?'),
      deleteRaw: db.prepare('DELETE FROM samples WHERE series_id = ? AND t < ?'),
      deleteRollups: db.prepare('DELETE FROM rollups WHERE series_id = ? AND bucket < ?'),
    };
  }

  /** Roll up the minutes in [from, until) of one series from its raw samples. */
  rollUp(series: number, numeric: boolean, from: number, until: number): void {
    this.s.rollUp.run({ series, numeric: numeric ? 1 : 0, from, until });
  }

  merge(series: number, t: number, value: SqlValue, numeric: boolean): void {
    this.s.merge.run({ series, bucket: t - (t % MINUTE), t, value, num: numeric ? value : null });
  }

  markDirty(series: number, t: number): void {
    this.s.markDirty.run(series, t - (t % MINUTE));
  }

  /** The dirty minutes of a series, forgotten as they are returned (call inside the transaction that redoes them). */
  takeDirty(series: number): number[] {
    const buckets = this.s.dirty.all(series).map((r) => r.bucket);
    if (buckets.length > 0) this.s.clearDirty.run(series);
    return buckets;
  }

  /** The time of the first raw sample of a series at or after `from`. */
  firstRawTime(series: number, from: number): number | undefined {
    return this.s.firstRaw.get(series, from)?.t ?? undefined;
  }

  deleteRawBefore(series: number, t: number): number {
    return this.s.deleteRaw.run(series, t).changes;
  }

  deleteRollupsBefore(series: number, t: number): number {
    return this.s.deleteRollups.run(series, t).changes;
  }
}
