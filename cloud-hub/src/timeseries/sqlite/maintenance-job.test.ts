import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { referenceAggregate } from '../../test-support/reference-aggregate.js';
import { StoreBed } from '../../test-support/store-bed.js';
import { openDatabase } from '../../storage/sqlite.js';
import { AGGREGATE_FUNCTIONS, type AggregateFunction, type Sample } from '../timeseries-store.js';
import { SqliteTimeseriesStore } from './sqlite-timeseries-store.js';

const M = 60_000;
const H = 60 * M;
const NOW = Date.UTC(2026, 0, 31, 12, 0, 0);
const RETENTION = { rawMs: H, rollupMs: 24 * H };

/** Three hours up to NOW: a number every 10 s, a bool every 25 s (integer values: sums are exact in both). */
function history(from = NOW - 3 * H, to = NOW): Sample[] {
  const out: Sample[] = [];
  for (let t = from; t < to; t += 10_000) out.push({ device: 'd', point: 'x', t, value: Math.round(Math.sin(t / 1e6) * 100) || 0 });
  for (let t = from + 3_000; t < to; t += 25_000) out.push({ device: 'd', point: 'on', t, value: t % 2 === 0 });
  return out;
}

describe('retention and downsampling of the embedded store (pinned clock)', () => {
  const bed = new StoreBed();
  afterEach(() => bed.cleanup());

  function open() {
    const metrics = new Registry();
    const opened = bed.open('timeseries', { retention: RETENTION, metrics });
    return { ...opened, metrics };
  }

  function count(path: string, sql: string): number {
    const db = openDatabase(path, { readonly: true });
    try {
      return db.prepare<{ n: number }>(sql).get()?.n ?? 0;
    } finally {
      db.close();
    }
  }

  /** Every function over [from, to) against the reference computed from all samples ever written. */
  async function expectMatches(store: SqliteTimeseriesStore, written: Sample[], every: number, from = NOW - 3 * H, to = NOW - 1) {
    for (const fn of AGGREGATE_FUNCTIONS) {
      const numeric: AggregateFunction[] = ['mean', 'min', 'max', 'sum'];
      const points = numeric.includes(fn) ? ['x'] : undefined;
      const q = { devices: ['d'], ...(points ? { points } : {}), from, to, every, fn, limit: 100_000 };
      const expected = referenceAggregate(written.filter((s) => !points || points.includes(s.point)), q);
      expect((await store.aggregate(q)).devices, `${fn} every ${every}`).toEqual(expected);
    }
  }

  it('rolls minutes up, deletes raw samples past the raw retention, and answers across both tiers exactly', async () => {
    const { store, path } = open();
    const written = history();
    store.write(written);
    const report = await store.maintain(NOW);
    // Raw samples older than an hour are gone; their minutes (and every settled minute) are rolled up.
    expect(report.rawDeleted).toBe(written.filter((s) => s.t < NOW - H).length);
    expect(count(path, 'SELECT min(t) AS n FROM samples')).toBeGreaterThanOrEqual(NOW - H);
    expect(count(path, "SELECT count(*) AS n FROM rollups r JOIN series s ON s.id = r.series_id WHERE s.point = 'x'")).toBe(179);
    // 1 and 5 minutes align with the tier boundary; 7 minutes puts a bucket across it, 3 hours puts everything in one.
    for (const every of [M, 5 * M, 7 * M, 3 * H]) await expectMatches(store, written, every);
  });

  it('reads rolled-up minutes from rollups where raw samples remain too, exactly, also for ranges that cut minutes', async () => {
    const { store, path } = open();
    const written = history();
    store.write(written);
    await store.maintain(NOW);
    for (const every of [M, 5 * M, 7 * M]) await expectMatches(store, written, every, NOW - 50 * M + 17_000, NOW - 5 * M - 3_001);
    // The rollups really are what answers: a change made only to a rollup row shows.
    const db = openDatabase(path);
    db.prepare(`UPDATE rollups SET count = 1000 WHERE bucket = ${NOW - 30 * M} AND series_id = (SELECT id FROM series WHERE point = 'x')`).run();
    db.close();
    const counts = await store.aggregate({ devices: ['d'], points: ['x'], from: NOW - 31 * M, to: NOW - 29 * M - 1, every: M, fn: 'count', limit: 10 });
    expect(counts.devices.d?.x).toEqual([{ t: NOW - 31 * M, v: 6 }, { t: NOW - 30 * M, v: 1000 }]);
  });

  it('rolls a minute up again when a late sample lands in it, and folds very late samples straight into rollups', async () => {
    const { store } = open();
    const written = history();
    store.write(written);
    await store.maintain(NOW);
    const late: Sample[] = [
      { device: 'd', point: 'x', t: NOW - 30 * M + 1, value: 1000 }, // raw kept, minute already rolled: dirty
      { device: 'd', point: 'x', t: NOW - 2 * H + 7, value: -1000 }, // raw already deleted: into the rollup
      { device: 'd', point: 'x', t: NOW - 2 * H + 7_000, value: 5 },
    ];
    store.write(late);
    await expectMatches(store, [...written, ...late], M);
    // Two hours later the dirty minute's raw samples are gone too: its rollup must hold the late sample.
    const later = NOW + 2 * H;
    const report = await store.maintain(later);
    expect(report.redone).toBe(1);
    await expectMatches(store, [...written, ...late], M);
  });

  it('does not count a re-delivered sample twice in a rolled-up minute', async () => {
    const { store } = open();
    const written = history();
    store.write(written);
    await store.maintain(NOW);
    const again = written.filter((s) => s.t >= NOW - 40 * M && s.t < NOW - 39 * M);
    store.write(again);
    await store.maintain(NOW + 2 * H);
    await expectMatches(store, written, M);
  });

  it('refuses sub-minute buckets where only rollups remain', async () => {
    const { store } = open();
    store.write(history());
    await store.maintain(NOW);
    await expect(store.aggregate({ devices: ['d'], points: ['x'], from: NOW - 2 * H, to: NOW, every: 10_000, fn: 'mean', limit: 10 }))
      .rejects.toThrow(/d\.x before .* is kept as 1-minute rollups: ask with every in whole minutes/);
    expect((await store.aggregate({ devices: ['d'], points: ['x'], from: NOW - 30 * M, to: NOW, every: 10_000, fn: 'mean', limit: 10 })).truncated).toBe(true);
  });

  it('deletes rollups past their retention and does not store samples older than it', async () => {
    const { store, path, metrics } = open();
    store.write(history());
    await store.maintain(NOW);
    // A day minus two hours later: the first hour of rollups is past the 24 h retention.
    const report = await store.maintain(NOW + 22 * H);
    expect(report.rollupsDeleted).toBe(2 * 60);
    expect(count(path, 'SELECT min(bucket) AS n FROM rollups')).toBe(NOW - 2 * H);
    store.write([{ device: 'd', point: 'x', t: NOW - 2 * H - M, value: 1 }]);
    expect(count(path, `SELECT count(*) AS n FROM rollups WHERE bucket = ${NOW - 2 * H - M}`)).toBe(0);
    expect(await metrics.getSingleMetricAsString('afferent_hub_timeseries_expired_samples_total')).toMatch(/ 1$/m);
  });

  it('catches up on a long history in short steps, and carries on after a restart', async () => {
    const { store, path } = open();
    const written = history(NOW - 20 * H, NOW);
    store.write(written);
    await store.maintain(NOW);
    expect(count(path, "SELECT count(*) AS n FROM rollups r JOIN series s ON s.id = r.series_id WHERE s.point = 'x' AND bucket >= " + (NOW - 20 * H)))
      .toBe(20 * 60 - 1);
    await store.close();
    const again = bed.track(new SqliteTimeseriesStore(path, { retention: RETENTION }));
    await expectMatches(again, written, 10 * M, NOW - 20 * H);
  });
});
