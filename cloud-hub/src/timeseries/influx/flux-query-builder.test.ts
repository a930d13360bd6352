import { describe, expect, it } from 'vitest';
import type { AggregateFunction } from '../timeseries-store.js';
import { aggregateFlux, FluxParameterError, rawFlux, type FluxAggregateQuery } from './flux-query-builder.js';

const T0 = Date.UTC(2026, 0, 31, 12, 0, 0);
const BASE: FluxAggregateQuery = {
  bucket: 'telemetry', series: [{ device: 'meter-1', points: ['voltage', 'current'] }, { device: 'th.2', points: ['temperature'] }],
  from: T0, to: T0 + 3_599_999, limit: 101, every: 60_000, fn: 'mean',
};

describe('Flux query builder', () => {
  it('writes the range, exactly the series asked for, one table per series in time order, and the per-series limit', () => {
    expect(rawFlux(BASE)).toBe(`from(bucket: "telemetry")
  |> range(start: time(v: "2026-01-31T12:00:00.000Z"), stop: time(v: "2026-01-31T13:00:00.000Z"))
  |> filter(fn: (r) => (r.device == "meter-1" and (r._field == "voltage" or r._field == "current")) or (r.device == "th.2" and (r._field == "temperature")))
  |> group(columns: ["device", "_field"])
  |> sort(columns: ["_time"])
  |> limit(n: 101)
  |> keep(columns: ["_time", "_value", "_field", "device"])`);
  });

  it('aggregates with a whitelisted function and a duration made from a checked integer', () => {
    for (const fn of ['mean', 'min', 'max', 'sum', 'count', 'first', 'last'] as const) {
      expect(aggregateFlux({ ...BASE, fn })).toContain(`|> aggregateWindow(every: 60000ms, fn: ${fn}, timeSrc: "_start", createEmpty: false)`);
    }
  });

  it('escapes a bucket name as a string literal (buckets are free text in InfluxDB)', () => {
    const flux = rawFlux({ ...BASE, bucket: 'x") |> drop(columns: ["_value"]) //' });
    expect(flux.split('\n')[0]).toBe('from(bucket: "x\\") |> drop(columns: [\\"_value\\"]) //")');
  });

  // Each of these would change the query if it were pasted in; each must be refused before any Flux is written.
  const hostile: [string, Partial<FluxAggregateQuery>][] = [
    ['device closing the string', { series: [{ device: 'meter-1" or r.device =~ /.*/ or r.device == "x', points: ['voltage'] }] }],
    ['device with a newline', { series: [{ device: 'meter-1\n|> yield()', points: ['voltage'] }] }],
    ['device with interpolation', { series: [{ device: '${secrets.get(key: "token")}', points: ['voltage'] }] }],
    ['point closing the string', { series: [{ device: 'meter-1', points: ['voltage") |> drop(columns: ["device"]) //'] }] }],
    ['point with a regex', { series: [{ device: 'meter-1', points: ['/.*/'] }] }],
    ['point with a backslash', { series: [{ device: 'meter-1', points: ['volt\\'] }] }],
    ['empty point list', { series: [{ device: 'meter-1', points: [] }] }],
    ['no series', { series: [] }],
    ['function name with code', { fn: 'mean) |> yield(name: "x' as AggregateFunction }],
    ['function from the prototype', { fn: 'constructor' as AggregateFunction }],
    ['duration with units smuggled in', { every: '1m) |> drop(' as unknown as number }],
    ['negative duration', { every: -60_000 }],
    ['fractional duration', { every: 0.5 }],
    ['time as text', { from: '2026-01-01T00:00:00Z") |> yield(' as unknown as number }],
    ['time not a number', { to: Number.NaN }],
    ['time out of range', { to: 1e20 }],
    ['from after to', { from: T0 + 10, to: T0 }],
    ['limit as code', { limit: '1) |> yield(' as unknown as number }],
    ['bucket with a control character', { bucket: 'tele\u0000metry' }],
  ];

  it.each(hostile)('refuses %s', (_name, change) => {
    expect(() => aggregateFlux({ ...BASE, ...change })).toThrow(FluxParameterError);
    if (!('fn' in change) && !('every' in change)) expect(() => rawFlux({ ...BASE, ...change })).toThrow(FluxParameterError);
  });

  it('names the refused value in the error', () => {
    expect(() => rawFlux({ ...BASE, series: [{ device: 'a b', points: ['x'] }] })).toThrow('not a valid device id for a Flux query: "a b"');
  });
});
