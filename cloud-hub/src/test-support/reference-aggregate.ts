import type { AggregateFunction, QueryResult, Sample, SampleValue, TimedValue } from '../timeseries/timeseries-store.js';

/**
 * The aggregation semantics of the stores, written the slow and obvious way:
 * the (device, point, t) written last wins, buckets start at `t - t % every`,
 * empty buckets are left out. Tests compare the stores against this.
 */
export function referenceAggregate(
  samples: readonly Sample[], q: { from: number; to: number; every: number; fn: AggregateFunction },
): QueryResult['devices'] {
  const latest = new Map<string, Sample>();
  for (const s of samples) latest.set(`${s.device}\u0000${s.point}\u0000${s.t}`, s);
  const buckets = new Map<string, { device: string; point: string; b: number; items: Sample[] }>();
  for (const s of latest.values()) {
    if (s.t < q.from || s.t > q.to) continue;
    const b = s.t - (s.t % q.every);
    const key = `${s.device}\u0000${s.point}\u0000${b}`;
    let bucket = buckets.get(key);
    if (!bucket) buckets.set(key, (bucket = { device: s.device, point: s.point, b, items: [] }));
    bucket.items.push(s);
  }
  const out: QueryResult['devices'] = {};
  const sorted = [...buckets.values()].sort((x, y) => (x.device < y.device ? -1 : x.device > y.device ? 1 : 0)
    || (x.point < y.point ? -1 : x.point > y.point ? 1 : 0) || x.b - y.b);
  for (const { device, point, b, items } of sorted) {
    ((out[device] ??= {})[point] ??= []).push({ t: b, v: reduce(items, q.fn) } satisfies TimedValue);
  }
  return out;
}

function reduce(items: Sample[], fn: AggregateFunction): SampleValue {
  const byTime = [...items].sort((a, b) => a.t - b.t);
  const numbers = items.map((s) => s.value as number);
  switch (fn) {
    case 'count': return items.length;
    case 'sum': return numbers.reduce((a, b) => a + b, 0);
    case 'mean': return numbers.reduce((a, b) => a + b, 0) / numbers.length;
    case 'min': return Math.min(...numbers);
    case 'max': return Math.max(...numbers);
    case 'first': return byTime[0]!.value;
    case 'last': return byTime.at(-1)!.value;
  }
}
