import type { HubProcess } from '../../bench/src/stack/stack.js';
import { COUNT_POINT } from './fault-profile.js';

/** What the hub holds for one device: every stored (point, t), and the read ordinals its `count` series carries. */
export interface DeviceTally {
  /** Distinct readings (sample times). */
  readings: number;
  /** Distinct (point, t). */
  points: number;
  /** Samples per point. */
  perPoint: Record<string, number>;
  /** The simulator's read ordinals stored, ascending: which readings arrived. */
  ordinals: number[];
  /** Sample times, ascending. */
  times: number[];
}

interface TelemetryPage { truncated: boolean; points: Record<string, { t: number; v: unknown }[]> }

/** The hub's API answers at most this many samples at a time. */
const PAGE = 100_000;

/**
 * Everything the hub stored for `device` between `from` and `to`, through its
 * API, page by page. The store keeps one sample per (series, t), so these are
 * distinct by construction: duplicates are caught by the ingest counters
 * (`ingestedReadings`), not here.
 */
export async function tallyDevice(hub: HubProcess, device: string, from: number, to = Date.now() + 60_000): Promise<DeviceTally> {
  const seen = new Map<string, Map<number, unknown>>();
  for (let since = from; ;) {
    const { status, body } = await hub.api<TelemetryPage>(`/api/v1/devices/${device}/telemetry?from=${since}&to=${to}&limit=${PAGE}`);
    if (status !== 200) throw new Error(`telemetry of ${device}: ${status} ${JSON.stringify(body)}`);
    let last = since;
    for (const [point, samples] of Object.entries(body.points)) {
      const series = seen.get(point) ?? new Map<number, unknown>();
      seen.set(point, series);
      for (const { t, v } of samples) {
        series.set(t, v);
        last = Math.max(last, t);
      }
    }
    if (!body.truncated) break;
    // A page may end part-way through one sample time: ask again from it, the map keeps each (point, t) once.
    if (last === since) throw new Error(`telemetry of ${device}: more than ${PAGE} samples at t=${since}`);
    since = last;
  }
  const times = new Set<number>();
  let points = 0;
  const perPoint: Record<string, number> = {};
  for (const [point, series] of seen) {
    perPoint[point] = series.size;
    points += series.size;
    for (const t of series.keys()) times.add(t);
  }
  const ordinals = [...(seen.get(COUNT_POINT)?.values() ?? [])].map(Number).sort((a, b) => a - b);
  return { readings: times.size, points, perPoint, ordinals, times: [...times].sort((a, b) => a - b) };
}

/** Readings the current hub process has ingested (stored, not counting duplicates) since it started. */
export function ingestedReadings(hub: HubProcess): Promise<number> {
  return hub.metric('afferent_hub_readings_ingested_total');
}

/** Ordinals in 1…`last` that are missing from `ordinals` (ascending, distinct), as inclusive ranges. */
export function missingRanges(ordinals: readonly number[], last: number): [number, number][] {
  const ranges: [number, number][] = [];
  let expected = 1;
  for (const n of [...ordinals, last + 1]) {
    if (n > expected) ranges.push([expected, n - 1]);
    expected = Math.max(expected, n + 1);
  }
  return ranges;
}
