import { decodeValue } from '../series-catalog.js';
import type { AggregateFunction, SampleValue, ValueKind } from '../timeseries-store.js';

/**
 * Aggregation in SQL, over raw samples and over minute rollups, as partial
 * states that can be merged: a bucket that spans both tiers (raw samples were
 * deleted below some time, rollups answer for that part) is two partials
 * merged here. Each partial is a row `{b, a, n}`: `a` the value (the sum, for
 * mean), `n` the count (mean) or the sample time (first, last).
 *
 * first/last use SQLite's documented "bare column" rule: with exactly one
 * min() or max() in the select list, the other columns come from that row.
 */
export interface Partial {
  b: number;
  a: number | string;
  n: number | null;
}

/** Select lists by function; only these fixed strings reach SQL, never request text. */
const RAW_SELECT: Record<AggregateFunction, string> = {
  mean: 'sum(value) AS a, count(*) AS n',
  sum: 'sum(value) AS a, NULL AS n',
  count: 'count(*) AS a, NULL AS n',
  min: 'min(value) AS a, NULL AS n',
  max: 'max(value) AS a, NULL AS n',
  first: 'value AS a, min(t) AS n',
  last: 'value AS a, max(t) AS n',
};

const ROLLUP_SELECT: Record<AggregateFunction, string> = {
  mean: 'sum(sum) AS a, sum(count) AS n',
  sum: 'sum(sum) AS a, NULL AS n',
  count: 'sum(count) AS a, NULL AS n',
  min: 'min(min) AS a, NULL AS n',
  max: 'max(max) AS a, NULL AS n',
  first: 'first AS a, min(first_t) AS n',
  last: 'last AS a, max(last_t) AS n',
};

/** Buckets of raw samples of one series in [from, until), oldest first. */
export function rawAggregateSql(fn: AggregateFunction): string {
  return `SELECT t - t % @every AS b, ${RAW_SELECT[fn]} FROM samples
    WHERE series_id = @series AND t >= @from AND t < @until GROUP BY b ORDER BY b LIMIT @limit`;
}

/** Buckets of minute rollups of one series whose minute starts in [from, until), oldest first. */
export function rollupAggregateSql(fn: AggregateFunction): string {
  return `SELECT bucket - bucket % @every AS b, ${ROLLUP_SELECT[fn]} FROM rollups
    WHERE series_id = @series AND bucket >= @from AND bucket < @until GROUP BY b ORDER BY b LIMIT @limit`;
}

function combine(fn: AggregateFunction, x: Partial, y: Partial): Partial {
  switch (fn) {
    case 'mean':
      return { b: x.b, a: (x.a as number) + (y.a as number), n: x.n! + y.n! };
    case 'sum':
    case 'count':
      return { b: x.b, a: (x.a as number) + (y.a as number), n: null };
    case 'min':
      return (y.a as number) < (x.a as number) ? y : x;
    case 'max':
      return (y.a as number) > (x.a as number) ? y : x;
    case 'first':
      return y.n! < x.n! ? y : x;
    case 'last':
      return y.n! >= x.n! ? y : x;
  }
}

/** Older tier first; both oldest first. Only the bucket where the tiers meet can be in both. */
export function mergeTiers(fn: AggregateFunction, older: Partial[], newer: Partial[]): Partial[] {
  const last = older.at(-1);
  if (!last || newer[0]?.b !== last.b) return [...older, ...newer];
  return [...older.slice(0, -1), combine(fn, last, newer[0]), ...newer.slice(1)];
}

export function finish(fn: AggregateFunction, partial: Partial, kind: ValueKind): SampleValue {
  if (fn === 'mean') return (partial.a as number) / partial.n!;
  if (fn === 'first' || fn === 'last') return decodeValue(partial.a, kind);
  return partial.a;
}
