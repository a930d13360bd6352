import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteTimeseriesStore } from './sqlite-timeseries-store.js';

describe('SQLite time series store', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  });
  function open(dir = mkdtempSync(join(tmpdir(), 'afferent-ts-'))) {
    const store = new SqliteTimeseriesStore(join(dir, 'timeseries.db'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    cleanups.push(() => store.close());
    return { store, dir };
  }

  it('gives values back with their kind: numbers, booleans, strings (even digit-only ones)', () => {
    const { store } = open();
    store.write([
      { device: 'd', point: 'voltage', t: 1000, value: 230.1 },
      { device: 'd', point: 'relay', t: 1000, value: true },
      { device: 'd', point: 'relay', t: 2000, value: false },
      { device: 'd', point: 'baud', t: 1000, value: '9600' },
    ]);
    expect(store.latest('d')).toEqual({
      baud: { value: '9600', t: 1000 }, relay: { value: false, t: 2000 }, voltage: { value: 230.1, t: 1000 },
    });
    expect(store.query({ device: 'd', point: 'relay', from: 0, to: 5000, limit: 10 })).toEqual({
      points: { relay: [{ t: 1000, v: true }, { t: 2000, v: false }] }, truncated: false,
    });
    expect(store.seriesKind('d', 'relay')).toBe('bool');
  });

  it('is idempotent for a re-delivered sample and keeps `latest` at the newest time', () => {
    const { store, dir } = open();
    store.write([{ device: 'd', point: 'x', t: 2000, value: 2 }]);
    store.write([{ device: 'd', point: 'x', t: 2000, value: 2 }, { device: 'd', point: 'x', t: 1000, value: 1 }]);
    expect(store.query({ device: 'd', from: 0, to: 5000, limit: 10 }).points).toEqual({ x: [{ t: 1000, v: 1 }, { t: 2000, v: 2 }] });
    expect(store.latest('d')).toEqual({ x: { value: 2, t: 2000 } });
    // Reopened, the series and their kinds are still there.
    store.close();
    const again = new SqliteTimeseriesStore(join(dir, 'timeseries.db'));
    cleanups.push(() => again.close());
    expect(again.seriesKind('d', 'x')).toBe('number');
    expect(again.latest('d')).toEqual({ x: { value: 2, t: 2000 } });
  });

  it('answers a time range oldest first, bounded by the limit, and says when it cut', () => {
    const { store } = open();
    store.write([1, 2, 3, 4, 5].flatMap((i) => [
      { device: 'd', point: 'a', t: i * 1000, value: i },
      { device: 'd', point: 'b', t: i * 1000, value: -i },
    ]));
    expect(store.query({ device: 'd', from: 2000, to: 3000, limit: 100 })).toEqual({
      points: { a: [{ t: 2000, v: 2 }, { t: 3000, v: 3 }], b: [{ t: 2000, v: -2 }, { t: 3000, v: -3 }] }, truncated: false,
    });
    expect(store.query({ device: 'd', from: 0, to: 10_000, limit: 3 })).toEqual({
      points: { a: [{ t: 1000, v: 1 }, { t: 2000, v: 2 }], b: [{ t: 1000, v: -1 }] }, truncated: true,
    });
    expect(store.query({ device: 'other', from: 0, to: 10_000, limit: 3 })).toEqual({ points: {}, truncated: false });
  });

  it('rolls back a failed write as a whole and forgets series created in it', () => {
    const { store } = open();
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
});
