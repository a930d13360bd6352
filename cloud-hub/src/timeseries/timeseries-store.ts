/**
 * Where samples go. One interface, so the embedded SQLite store (the default)
 * and InfluxDB (a later issue) are interchangeable behind ingest and the API.
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

export interface SampleQuery {
  device: string;
  /** Only this point; all of the device's points when absent. */
  point?: string;
  /** Inclusive bounds, ms. */
  from: number;
  to: number;
  /** Most samples returned, over all points, oldest first. */
  limit: number;
}

export interface SampleQueryResult {
  points: Record<string, { t: number; v: SampleValue }[]>;
  /** More samples matched than `limit`. */
  truncated: boolean;
}

export interface TimeseriesStore {
  /**
   * Store samples. Idempotent: the same (device, point, t) written again is
   * stored once (the last write wins), so a re-delivered batch is harmless.
   * Every sample of a (device, point) has the same kind; see `seriesKind`.
   */
  write(samples: readonly Sample[]): void;
  /**
   * Run `fn` so that everything it writes to the store commits together, or
   * not at all if it throws. Ingest records "batch stored" in the same unit,
   * so a batch is never marked stored without its samples.
   */
  atomically<T>(fn: () => T): T;
  /** The kind of value a series holds, once it has one. */
  seriesKind(device: string, point: string): ValueKind | undefined;
  /** Newest value of each point of a device. */
  latest(device: string): Record<string, LatestValue>;
  query(query: SampleQuery): SampleQueryResult;
  close(): void;
}

export function kindOf(value: SampleValue): ValueKind {
  return typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'bool' : 'string';
}
