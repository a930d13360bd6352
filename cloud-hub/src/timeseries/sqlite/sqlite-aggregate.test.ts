import { afterEach, describe, expect, it } from 'vitest';
import { referenceAggregate } from '../../test-support/reference-aggregate.js';
import { StoreBed } from '../../test-support/store-bed.js';
import { openDatabase } from '../../storage/sqlite.js';
import { AGGREGATE_FUNCTIONS, type Sample } from '../timeseries-store.js';
import { rawAggregateSql, rollupAggregateSql } from './aggregate-sql.js';

const M = 60_000;
/** Samples on both sides of minute edges, an empty minute [3m, 4m), and a bool and a string series. */
const SAMPLES: Sample[] = [
  ...[0, 30_000, M - 1, M, M + 1, 2 * M - 1, 2 * M, 4 * M + 5].map((t, i) => ({ device: 'd', point: 'x', t, value: (i * 7) % 11 - 3 })),
  ...[10, M + 10, 4 * M].map((t, i) => ({ device: 'd', point: 'on', t, value: i % 2 === 0 })),
  { device: 'd', point: 'mode', t: 20, value: 'auto' },
  { device: 'd', point: 'mode', t: 25, value: 'manual' },
  ...[5, M + 5].map((t) => ({ device: 'e', point: 'x', t, value: 100 })),
];

describe('aggregation in the embedded store', () => {
  const bed = new StoreBed();
  afterEach(() => bed.cleanup());

  function store() {
    const opened = bed.open();
    opened.store.write(SAMPLES);
    return opened;
  }

  it('computes every function per bucket, buckets aligned to the epoch, empty buckets left out', async () => {
    const { store: s } = store();
    for (const fn of AGGREGATE_FUNCTIONS) {
      for (const every of [M, 2 * M, 1000]) {
        const q = { devices: ['d', 'e'], points: fn === 'count' || fn === 'first' || fn === 'last' ? undefined : ['x'], from: 0, to: 5 * M, every, fn, limit: 1000 };
        const result = await s.aggregate(q);
        const numberSeriesOnly = SAMPLES.filter((x) => q.points === undefined || x.point === 'x');
        expect(result, `${fn} every ${every}`).toEqual({ devices: referenceAggregate(numberSeriesOnly, q), truncated: false });
      }
    }
    // Spelled out once: minute 0 holds x at 0, 30s and 59.999s; minute 3 is empty, minute 4 has one sample.
    expect((await s.aggregate({ devices: ['d'], points: ['x'], from: 0, to: 5 * M, every: M, fn: 'count', limit: 100 })).devices.d?.x)
      .toEqual([{ t: 0, v: 3 }, { t: M, v: 3 }, { t: 2 * M, v: 1 }, { t: 4 * M, v: 1 }]);
  });

  it('counts only samples inside [from, to], and reports a partial first bucket at its start', async () => {
    const { store: s } = store();
    const q = { devices: ['d'], points: ['x'], from: 30_000, to: M, every: M, fn: 'count' as const, limit: 100 };
    expect((await s.aggregate(q)).devices).toEqual({ d: { x: [{ t: 0, v: 2 }, { t: M, v: 1 }] } });
  });

  it('gives first/last/count of bool and string points, skips them for numeric functions, refuses them when named', async () => {
    const { store: s } = store();
    const all = await s.aggregate({ devices: ['d'], from: 0, to: 5 * M, every: 5 * M, fn: 'last', limit: 100 });
    expect(all.devices.d).toEqual({ mode: [{ t: 0, v: 'manual' }], on: [{ t: 0, v: true }], x: [{ t: 0, v: expect.any(Number) }] });
    const means = await s.aggregate({ devices: ['d'], from: 0, to: 5 * M, every: 5 * M, fn: 'mean', limit: 100 });
    expect(Object.keys(means.devices.d ?? {})).toEqual(['x']);
    await expect(s.aggregate({ devices: ['d'], points: ['on'], from: 0, to: 5 * M, every: M, fn: 'sum', limit: 100 }))
      .rejects.toThrow('d.on holds bool values; sum needs numbers (count, first and last work on any point)');
  });

  it('keeps the oldest buckets over all series when the limit cuts', async () => {
    const { store: s } = store();
    const result = await s.aggregate({ devices: ['d', 'e'], points: ['x'], from: 0, to: 5 * M, every: M, fn: 'max', limit: 3 });
    expect(result).toEqual({ devices: { d: { x: [{ t: 0, v: expect.any(Number) }, { t: M, v: expect.any(Number) }] }, e: { x: [{ t: 0, v: 100 }] } }, truncated: true });
  });

  it('reads samples and rollups through their primary keys (query plans)', () => {
    const { path } = store();
    const db = openDatabase(path, { readonly: true });
    const plan = (sql: string) => db.prepare<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
      .all({ series: 1, every: M, from: 0, until: M, limit: 10 }).map((r) => r.detail).join('\n');
    try {
      for (const fn of AGGREGATE_FUNCTIONS) {
        expect(plan(rawAggregateSql(fn)), fn).toMatch(/SEARCH samples USING PRIMARY KEY \(series_id=\? AND t>\? AND t<\?\)/);
        expect(plan(rollupAggregateSql(fn)), fn).toMatch(/SEARCH rollups USING PRIMARY KEY \(series_id=\? AND bucket>\? AND bucket<\?\)/);
      }
      const raw = db.prepare<{ detail: string }>('EXPLAIN QUERY PLAN SELECT t, value FROM samples WHERE series_id = ? AND t >= ? AND t <= ? ORDER BY t LIMIT ?')
        .all(1, 0, 1, 1).map((r) => r.detail).join('\n');
      expect(raw).toMatch(/SEARCH samples USING PRIMARY KEY \(series_id=\? AND t>\? AND t<\?\)/);
      expect(raw).not.toMatch(/TEMP B-TREE/);
    } finally {
      db.close();
    }
  });
});
