import { migrate } from '../storage/migrations.js';
import { openDatabase, type SqlValue, type SqliteDatabase, type Statement } from '../storage/sqlite.js';
import { TIMESERIES_MIGRATIONS } from './timeseries-schema.js';
import {
  kindOf, type LatestValue, type Sample, type SampleQuery, type SampleQueryResult, type SampleValue,
  type TimeseriesStore, type ValueKind,
} from './timeseries-store.js';

interface Series {
  id: number;
  kind: ValueKind;
}

interface SampleRow {
  point: string;
  t: number;
  value: number | string;
  kind: ValueKind;
}

function encode(value: SampleValue): SqlValue {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

function decode(value: number | string, kind: ValueKind): SampleValue {
  return kind === 'bool' ? value === 1 : value;
}

const key = (device: string, point: string) => `${device}\u0000${point}`;

/**
 * The embedded store: `timeseries.db`. Series ids are cached in memory so a
 * sample costs one B-tree insert; `latest` is updated once per series per
 * write, with the newest sample of that write, and only when it is newer.
 */
export class SqliteTimeseriesStore implements TimeseriesStore {
  /** Shared with the ingest ledger, which commits in the same transactions. */
  readonly database: SqliteDatabase;
  private series = new Map<string, Series>();
  private readonly s: {
    insertSeries: Statement;
    insertSample: Statement;
    upsertLatest: Statement;
    latest: Statement<SampleRow>;
    range: Statement<SampleRow>;
    rangeOfPoint: Statement<SampleRow>;
  };

  /**
   * `synchronous=FULL`: the hub acks a batch once this commits and the agent
   * then deletes it, so a commit must survive a power cut, not only a crash.
   *
   * The cost of a commit is mostly the pages it touches: samples are keyed by
   * series, so a commit dirties about one page per series it writes to. A big
   * cache keeps those pages in memory, a high auto-checkpoint copies a page
   * rewritten by many commits once, and writing in key order visits each page
   * once (see bench/src/hub-ingest.ts).
   */
  constructor(path: string) {
    this.database = openDatabase(path, { synchronous: 'FULL', cacheMiB: 64, walAutocheckpointPages: 10_000 });
    const db = this.database;
    try {
      migrate(db, 'timeseries.db', TIMESERIES_MIGRATIONS);
    } catch (error) {
      db.close();
      throw error;
    }
    this.loadSeries();
    this.s = {
      insertSeries: db.prepare('INSERT INTO series (device, point, kind) VALUES (?, ?, ?)'),
      insertSample: db.prepare('INSERT OR REPLACE INTO samples (series_id, t, value) VALUES (?, ?, ?)'),
      upsertLatest: db.prepare(`INSERT INTO latest (device, point, t, value, kind) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (device, point) DO UPDATE SET t = excluded.t, value = excluded.value, kind = excluded.kind
        WHERE excluded.t >= latest.t`),
      latest: db.prepare('SELECT point, t, value, kind FROM latest WHERE device = ? ORDER BY point'),
      range: db.prepare(`SELECT s.point AS point, x.t AS t, x.value AS value, s.kind AS kind
        FROM series s JOIN samples x ON x.series_id = s.id
        WHERE s.device = ? AND x.t >= ? AND x.t <= ? ORDER BY x.t, s.point LIMIT ?`),
      rangeOfPoint: db.prepare(`SELECT s.point AS point, x.t AS t, x.value AS value, s.kind AS kind
        FROM series s JOIN samples x ON x.series_id = s.id
        WHERE s.device = ? AND s.point = ? AND x.t >= ? AND x.t <= ? ORDER BY x.t LIMIT ?`),
    };
  }

  write(samples: readonly Sample[]): void {
    const newest = new Map<Series, Sample>();
    this.atomically(() => {
      const rows = samples.map((sample) => ({ series: this.seriesFor(sample), sample }));
      rows.sort((a, b) => a.series.id - b.series.id || a.sample.t - b.sample.t);
      for (const { series, sample } of rows) {
        this.s.insertSample.run(series.id, sample.t, encode(sample.value));
        const seen = newest.get(series);
        if (!seen || sample.t >= seen.t) newest.set(series, sample);
      }
      for (const [series, sample] of newest) {
        this.s.upsertLatest.run(sample.device, sample.point, sample.t, encode(sample.value), series.kind);
      }
    });
  }

  atomically<T>(fn: () => T): T {
    try {
      return this.database.transaction(fn)();
    } catch (error) {
      // Series created in a transaction that rolled back no longer exist: forget cached ids.
      if (!this.database.inTransaction) this.loadSeries();
      throw error;
    }
  }

  seriesKind(device: string, point: string): ValueKind | undefined {
    return this.series.get(key(device, point))?.kind;
  }

  latest(device: string): Record<string, LatestValue> {
    const out: Record<string, LatestValue> = {};
    for (const row of this.s.latest.all(device)) out[row.point] = { value: decode(row.value, row.kind), t: row.t };
    return out;
  }

  query(q: SampleQuery): SampleQueryResult {
    const rows = q.point === undefined
      ? this.s.range.all(q.device, q.from, q.to, q.limit + 1)
      : this.s.rangeOfPoint.all(q.device, q.point, q.from, q.to, q.limit + 1);
    const truncated = rows.length > q.limit;
    const points: SampleQueryResult['points'] = {};
    for (const row of truncated ? rows.slice(0, q.limit) : rows) {
      (points[row.point] ??= []).push({ t: row.t, v: decode(row.value, row.kind) });
    }
    return { points, truncated };
  }

  close(): void {
    if (this.database.open) this.database.close();
  }

  private seriesFor(sample: Sample): Series {
    const k = key(sample.device, sample.point);
    const kind = kindOf(sample.value);
    let series = this.series.get(k);
    if (!series) {
      const id = Number(this.s.insertSeries.run(sample.device, sample.point, kind).lastInsertRowid);
      this.series.set(k, (series = { id, kind }));
    } else if (series.kind !== kind) {
      // Ingest checks kinds before writing; reaching this is a bug, and storing would corrupt the series.
      throw new Error(`series ${sample.device}/${sample.point} holds ${series.kind} values, not ${kind}`);
    }
    return series;
  }

  private loadSeries(): void {
    const rows = this.database.prepare<{ id: number; device: string; point: string; kind: ValueKind }>(
      'SELECT id, device, point, kind FROM series',
    ).all();
    this.series = new Map(rows.map((r) => [key(r.device, r.point), { id: r.id, kind: r.kind }]));
  }
}
