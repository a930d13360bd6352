import type { QueryResult, TimedValue } from './timeseries-store.js';

export interface SeriesValues {
  device: string;
  point: string;
  /** Oldest first; each series may hold up to `limit + 1` values so truncation can be detected. */
  values: TimedValue[];
}

/**
 * Several series, each oldest first, into one result that keeps the `limit`
 * oldest values over all of them (ties in the order the series are given).
 * Stores fetch at most `limit + 1` values per series, so this cut is exact.
 */
export function oldestFirst(series: readonly SeriesValues[], limit: number): QueryResult {
  const all: { index: number; value: TimedValue }[] = [];
  series.forEach((s, index) => {
    for (const value of s.values) all.push({ index, value });
  });
  const truncated = all.length > limit;
  if (truncated) {
    all.sort((a, b) => a.value.t - b.value.t || a.index - b.index);
    all.length = limit;
  }
  const devices: QueryResult['devices'] = {};
  const kept = new Map<number, TimedValue[]>();
  for (const { index, value } of all) {
    let list = kept.get(index);
    if (!list) kept.set(index, (list = []));
    list.push(value);
  }
  series.forEach((s, index) => {
    const values = kept.get(index);
    if (values) (devices[s.device] ??= {})[s.point] = values;
  });
  return { devices, truncated };
}
