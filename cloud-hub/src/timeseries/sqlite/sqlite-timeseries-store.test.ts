import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../storage/migrations.js';
import { openDatabase } from '../../storage/sqlite.js';
import { TIMESERIES_MIGRATIONS } from '../timeseries-schema.js';
import { SqliteTimeseriesStore } from './sqlite-timeseries-store.js';
import { StoreBed } from '../../test-support/store-bed.js';

describe('SQLite time series store', () => {
  const bed = new StoreBed();
  afterEach(() => bed.cleanup());

  it('gives values back with their kind: numbers, booleans, strings (even digit-only ones)', async () => {
    const { store } = bed.open();
    store.write([
      { device: 'd', point: 'voltage', t: 1000, value: 230.1 },
      { device: 'd', point: 'relay', t: 1000, value: true },
      { device: 'd', point: 'relay', t: 2000, value: false },
      { device: 'd', point: 'baud', t: 1000, value: '9600' },
    ]);
    expect(store.latest('d')).toEqual({
      baud: { value: '9600', t: 1000 }, relay: { value: false, t: 2000 }, voltage: { value: 230.1, t: 1000 },
    });
    expect(await store.query({ devices: ['d'], points: ['relay'], from: 0, to: 5000, limit: 10 })).toEqual({
      devices: { d: { relay: [{ t: 1000, v: true }, { t: 2000, v: false }] } }, truncated: false,
    });
    expect(store.seriesKind('d', 'relay')).toBe('bool');
  });

  it('is idempotent for a re-delivered sample, staged or already moved, and keeps `latest` at the newest time', async () => {
    const { store, path } = bed.open();
    store.write([{ device: 'd', point: 'x', t: 2000, value: 2 }]);
    await store.query({ devices: ['d'], from: 0, to: 1, limit: 1 }); // a read moves staged samples into `samples`
    store.write([{ device: 'd', point: 'x', t: 2000, value: 2 }, { device: 'd', point: 'x', t: 1000, value: 1 }]);
    store.write([{ device: 'd', point: 'x', t: 1000, value: 1.5 }]);
    expect((await store.query({ devices: ['d'], from: 0, to: 5000, limit: 10 })).devices).toEqual({ d: { x: [{ t: 1000, v: 1.5 }, { t: 2000, v: 2 }] } });
    expect(store.latest('d')).toEqual({ x: { value: 2, t: 2000 } });
    // Reopened, the series and their kinds are still there.
    await store.close();
    const again = bed.track(new SqliteTimeseriesStore(path));
    expect(again.seriesKind('d', 'x')).toBe('number');
    expect(again.latest('d')).toEqual({ x: { value: 2, t: 2000 } });
  });

  it('keeps staged samples across a restart and moves them on the next read', async () => {
    const { store, path } = bed.open();
    store.write([{ device: 'd', point: 'x', t: 1, value: 1 }, { device: 'd', point: 'x', t: 2, value: 2 }]);
    // Closed without a read: the samples were committed to the staging table, which is part of the store.
    const db = openDatabase(path, { readonly: true });
    expect(db.prepare<{ n: number }>('SELECT count(*) AS n FROM samples_staged').get()?.n).toBe(2);
    db.close();
    await store.close();
    const again = bed.track(new SqliteTimeseriesStore(path));
    expect((await again.query({ devices: ['d'], from: 0, to: 10, limit: 10 })).devices.d?.x).toHaveLength(2);
  });

  it('answers a time range oldest first over several series and devices, bounded by the limit, and says when it cut', async () => {
    const { store } = bed.open();
    store.write([1, 2, 3, 4, 5].flatMap((i) => [
      { device: 'd', point: 'a', t: i * 1000, value: i },
      { device: 'd', point: 'b', t: i * 1000, value: -i },
      { device: 'e', point: 'a', t: i * 1000 + 500, value: 10 * i },
    ]));
    expect(await store.query({ devices: ['d'], from: 2000, to: 3000, limit: 100 })).toEqual({
      devices: { d: { a: [{ t: 2000, v: 2 }, { t: 3000, v: 3 }], b: [{ t: 2000, v: -2 }, { t: 3000, v: -3 }] } }, truncated: false,
    });
    expect(await store.query({ devices: ['d', 'e'], points: ['a'], from: 0, to: 10_000, limit: 3 })).toEqual({
      devices: { d: { a: [{ t: 1000, v: 1 }, { t: 2000, v: 2 }] }, e: { a: [{ t: 1500, v: 10 }] } }, truncated: true,
    });
    expect(await store.query({ devices: ['other'], from: 0, to: 10_000, limit: 3 })).toEqual({ devices: {}, truncated: false });
  });

  it('rolls back a failed write as a whole and forgets series created in it', () => {
    const { store } = bed.open();
    store.write([{ device: 'd', point: 'x', t: 1, value: 1 }]);
    expect(() => store.atomically(() => {
      store.write([{ device: 'd', point: 'fresh', t: 1, value: 1 }]);
      store.write([{ device: 'd', point: 'x', t: 2, value: 'a string in a number series' }]);
    })).toThrow(/holds number values, not string/);
    expect(store.seriesKind('d', 'fresh')).toBeUndefined();
    expect(store.latest('d')).toEqual({ x: { value: 1, t: 1 } });
    store.write([{ device: 'd', point: 'fresh', t: 3, value: 'now a string' }]);
    expect(store.latest('d').fresh).toEqual({ value: 'now a string', t: 3 });
  });

  it('moves staged samples into `samples` in slices with the writes after the staging fills, the newest version of a sample winning', async () => {
    const { store, path } = bed.open('flush', { flushAtRows: 150 });
    const rows = (table: string) => {
      const db = openDatabase(path, { readonly: true });
      try {
        return db.prepare<{ n: number }>(`SELECT count(*) AS n FROM ${table}`).get()?.n;
      } finally {
        db.close();
      }
    };
    const write = (n: number, value: number) => store.write(Array.from({ length: n }, (_, i) => ({ device: 'd', point: `p${i}`, t: 1, value })));
    write(100, 1);
    expect([rows('samples'), rows('samples_staged')]).toEqual([0, 100]);
    // 300 series: two slices of 200; the first rides on this write.
    write(300, 2);
    expect([rows('samples'), rows('samples_staged')]).toEqual([200, 400]);
    // The second slice rides on the next write, and clears what the move claimed (not this write's sample).
    write(1, 3);
    expect([rows('samples'), rows('samples_staged')]).toEqual([300, 1]);
    expect((await store.query({ devices: ['d'], points: ['p0', 'p299'], from: 0, to: 5, limit: 10 })).devices)
      .toEqual({ d: { p0: [{ t: 1, v: 3 }], p299: [{ t: 1, v: 2 }] } });
    expect(rows('samples_staged')).toBe(0);
  });

  it('upgrades a database of the first schema, keeping its samples and latest values', async () => {
    const path = bed.path('old');
    const v1 = openDatabase(path);
    migrate(v1, 'timeseries.db', TIMESERIES_MIGRATIONS.slice(0, 1));
    v1.exec(`INSERT INTO series (id, device, point, kind) VALUES (1, 'd', 'x', 'number'), (2, 'd', 'on', 'bool');
      INSERT INTO samples VALUES (1, 1000, 1.5), (1, 2000, 2.5), (2, 1000, 1);
      INSERT INTO latest VALUES ('d', 'x', 2000, 2.5, 'number'), ('d', 'on', 1000, 1, 'bool');`);
    v1.close();
    const upgraded = bed.track(new SqliteTimeseriesStore(path));
    expect(upgraded.latest('d')).toEqual({ on: { value: true, t: 1000 }, x: { value: 2.5, t: 2000 } });
    expect((await upgraded.query({ devices: ['d'], points: ['x'], from: 0, to: 5000, limit: 10 })).devices).toEqual({ d: { x: [{ t: 1000, v: 1.5 }, { t: 2000, v: 2.5 }] } });
  });
});
