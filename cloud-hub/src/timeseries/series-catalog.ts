import type { SqlValue, SqliteDatabase, Statement } from '../storage/sqlite.js';
import {
  kindOf, needsNumbers, TimeseriesQueryError, type AggregateFunction, type LatestValue, type Sample, type SampleValue,
  type ValueKind,
} from './timeseries-store.js';

export interface Series {
  id: number;
  device: string;
  point: string;
  kind: ValueKind;
}

interface LatestRow {
  point: string;
  t: number;
  value: number | string;
  kind: ValueKind;
}

export function encodeValue(value: SampleValue): SqlValue {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

export function decodeValue(value: number | string, kind: ValueKind): SampleValue {
  return kind === 'bool' ? value === 1 : value;
}

const key = (device: string, point: string) => `${device}\u0000${point}`;

/**
 * The series both stores know locally (id and kind of every device/point) and
 * their latest values. Ids are cached in memory, so a sample costs no lookup
 * query; `latest` is updated once per series per write, with the newest sample
 * of that write, and only when it is newer.
 */
export class SeriesCatalog {
  private byKey = new Map<string, Series>();
  private byDevice = new Map<string, Series[]>();
  private readonly s: { insertSeries: Statement; upsertLatest: Statement; latest: Statement<LatestRow> };

  constructor(private readonly db: SqliteDatabase) {
    this.s = {
      insertSeries: db.prepare('INSERT INTO series (device, point, kind) VALUES (?, ?, ?)'),
      upsertLatest: db.prepare(`INSERT INTO latest_values (series_id, t, value) VALUES (?, ?, ?)
        ON CONFLICT (series_id) DO UPDATE SET t = excluded.t, value = excluded.value WHERE excluded.t >= latest_values.t`),
      latest: db.prepare(`SELECT s.point AS point, v.t AS t, v.value AS value, s.kind AS kind
        FROM series s JOIN latest_values v ON v.series_id = s.id WHERE s.device = ? ORDER BY s.point`),
    };
    this.reload();
  }

  /** The series of a sample, created on first use. Call inside a transaction. */
  seriesFor(sample: Sample): Series {
    const kind = kindOf(sample.value);
    let series = this.byKey.get(key(sample.device, sample.point));
    if (!series) {
      const id = Number(this.s.insertSeries.run(sample.device, sample.point, kind).lastInsertRowid);
      series = { id, device: sample.device, point: sample.point, kind };
      this.remember(series);
      this.byDevice.get(series.device)!.sort((a, b) => (a.point < b.point ? -1 : a.point > b.point ? 1 : 0));
    } else if (series.kind !== kind) {
      // Ingest checks kinds before writing; reaching this is a bug, and storing would corrupt the series.
      throw new Error(`series ${sample.device}/${sample.point} holds ${series.kind} values, not ${kind}`);
    }
    return series;
  }

  all(): Series[] {
    return [...this.byKey.values()];
  }

  get(device: string, point: string): Series | undefined {
    return this.byKey.get(key(device, point));
  }

  /** Newest sample per series of one write → `latest`. */
  updateLatest(samples: readonly Sample[]): void {
    const newest = new Map<Series, Sample>();
    for (const sample of samples) {
      const series = this.byKey.get(key(sample.device, sample.point))!;
      const seen = newest.get(series);
      if (!seen || sample.t >= seen.t) newest.set(series, sample);
    }
    for (const [series, sample] of newest) this.s.upsertLatest.run(series.id, sample.t, encodeValue(sample.value));
  }

  latest(device: string): Record<string, LatestValue> {
    const out: Record<string, LatestValue> = {};
    for (const row of this.s.latest.all(device)) out[row.point] = { value: decodeValue(row.value, row.kind), t: row.t };
    return out;
  }

  /**
   * The series a query asks for, in (device, point) order: the named points
   * that exist, or every point of each device. A function that needs numbers
   * refuses a named non-number point and skips the others.
   */
  select(devices: readonly string[], points: readonly string[] | undefined, fn?: AggregateFunction): Series[] {
    const numeric = fn !== undefined && needsNumbers(fn);
    const out: Series[] = [];
    for (const device of [...new Set(devices)].sort()) {
      const all = this.byDevice.get(device) ?? [];
      const chosen = points === undefined ? all : all.filter((s) => points.includes(s.point));
      for (const series of chosen) {
        if (!numeric || series.kind === 'number') out.push(series);
        else if (points !== undefined) {
          throw new TimeseriesQueryError(`${device}.${series.point} holds ${series.kind} values; ${fn} needs numbers (count, first and last work on any point)`);
        }
      }
    }
    return out;
  }

  /** Read the series again from the database: after a rollback, ids created in it no longer exist. */
  reload(): void {
    const rows = this.db.prepare<Series>('SELECT id, device, point, kind FROM series ORDER BY device, point').all();
    this.byKey = new Map();
    this.byDevice = new Map();
    for (const row of rows) this.remember(row);
  }

  private remember(series: Series): void {
    this.byKey.set(key(series.device, series.point), series);
    const list = this.byDevice.get(series.device);
    if (list) list.push(series);
    else this.byDevice.set(series.device, [series]);
  }
}
