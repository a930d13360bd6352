import type { SqliteDatabase } from '../storage/sqlite.js';

/**
 * Where samples go. One interface, so the embedded SQLite store (the default)
 * and InfluxDB are interchangeable behind ingest and the API.
 *
 * Both keep a local `timeseries.db`: writes, latest values and the ingest
 * ledger commit there in one transaction (for InfluxDB the samples go to a
 * spill queue in that database and are shipped afterwards), so "acked" always
 * means "on the hub's disk".
 */

export type SampleValue = number | boolean | string;
export type ValueKind = 'number' | 'bool' | 'string';

export interface Sample {
  device: string;
  point: string;
  /** Sample time at the edge, ms. */
  t: number;
  value: SampleValue;
}

export interface LatestValue {
  value: SampleValue;
  t: number;
}

export interface TimedValue {
  t: number;
  v: SampleValue;
}

export const AGGREGATE_FUNCTIONS = ['mean', 'min', 'max', 'sum', 'count', 'first', 'last'] as const;
export type AggregateFunction = (typeof AGGREGATE_FUNCTIONS)[number];

/** These need number series; count, first and last work on every kind. */
export function needsNumbers(fn: AggregateFunction): boolean {
  return fn === 'mean' || fn === 'min' || fn === 'max' || fn === 'sum';
}

export interface RawQuery {
  devices: readonly string[];
  /** Only these points; every point of each device when absent. */
  points?: readonly string[];
  /** Inclusive bounds, ms. */
  from: number;
  to: number;
  /** Most values returned, over all series, oldest first. */
  limit: number;
}

export interface AggregateQuery extends RawQuery {
  /**
   * Bucket width, ms. A sample at t falls in the bucket that starts at
   * `t - t % every` (buckets are aligned to the epoch, not to `from`), and the
   * bucket is reported at its start. Buckets without samples are left out.
   * When `points` is absent and `fn` needs numbers, non-number series are skipped.
   */
  every: number;
  fn: AggregateFunction;
}

export interface QueryResult {
  /** device → point → values, oldest first. */
  devices: Record<string, Record<string, TimedValue[]>>;
  /** More values matched than `limit`; ask again from the last t. */
  truncated: boolean;
}

export interface TimeseriesStore {
  /** The local database that `atomically` commits; the ingest ledger lives in it too. */
  readonly database: SqliteDatabase;
  /**
   * Store samples (call inside `atomically` together with the ledger).
   * Idempotent: the same (device, point, t) written again is stored once (the
   * last write wins), so a re-delivered batch is harmless. Every sample of a
   * (device, point) has the same kind; see `seriesKind`.
   */
  write(samples: readonly Sample[]): void;
  /**
   * Run `fn` so that everything it writes to the store commits together, or
   * not at all if it throws. Ingest records "batch stored" in the same unit,
   * so a batch is never marked stored without its samples.
   */
  atomically<T>(fn: () => T): T;
  /**
   * Why the store cannot take more writes right now (e.g. the InfluxDB spill
   * queue is full), or undefined. Ingest leaves batches unacked while it says
   * so: they stay in the gateways' outboxes and come again.
   */
  writeRefusal(): string | undefined;
  /** The kind of value a series holds, once it has one. */
  seriesKind(device: string, point: string): ValueKind | undefined;
  /** Newest value of each point of a device. */
  latest(device: string): Record<string, LatestValue>;
  query(query: RawQuery): Promise<QueryResult>;
  aggregate(query: AggregateQuery): Promise<QueryResult>;
  /** Stop background work and close the local database. */
  close(): Promise<void>;
}

export function kindOf(value: SampleValue): ValueKind {
  return typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'bool' : 'string';
}

/** Raised for a query the store cannot answer as asked; the API answers 400 with its message. */
export class TimeseriesQueryError extends Error {
  override readonly name = 'TimeseriesQueryError';
}

/** Raised when the store behind the hub (InfluxDB) cannot answer now; the API answers 503. */
export class TimeseriesUnavailableError extends Error {
  override readonly name = 'TimeseriesUnavailableError';
}
