import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../logging/logger.js';
import { referenceAggregate } from '../../test-support/reference-aggregate.js';
import { waitFor } from '@afferent/testkit';
import { AGGREGATE_FUNCTIONS, needsNumbers, type Sample } from '../timeseries-store.js';
import { DEFAULT_BACKOFF } from './backoff.js';
import { InfluxTimeseriesStore } from './influx-timeseries-store.js';

/**
 * Against a real InfluxDB 2.x, when the environment names one:
 *   INFLUX_URL=http://localhost:8086 INFLUX_TOKEN=… INFLUX_ORG=… INFLUX_BUCKET=… npx vitest run cloud-hub/src/timeseries/influx
 * No InfluxDB 2.x can be installed on the project's machines (Debian ships
 * 1.6, which has no /api/v2), so without INFLUX_URL this suite does not run:
 * an explicit check of the environment, not a `.skip`. The write path is
 * tested against VictoriaMetrics in influx-store.victoria.test.ts either way.
 */
const INFLUX_URL = process.env.INFLUX_URL;

describe.runIf(INFLUX_URL)('InfluxDB store against a real InfluxDB 2.x', () => {
  let dir: string;
  const device = `it-${Date.now()}`; // a fresh device per run: the bucket is shared
  const t0 = Date.now() - 20 * 60_000 - ((Date.now() - 20 * 60_000) % 60_000);
  const samples: Sample[] = Array.from({ length: 600 }, (_, i) => [
    { device, point: 'voltage', t: t0 + i * 1000, value: 200 + (i % 37) },
    { device, point: 'relay', t: t0 + i * 1000, value: i % 3 === 0 },
    { device, point: 'mode', t: t0 + i * 1000, value: `m${i % 4}` },
  ]).flat();
  let store: InfluxTimeseriesStore;

  beforeAll(async () => {
    const missing = ['INFLUX_TOKEN', 'INFLUX_ORG', 'INFLUX_BUCKET'].filter((name) => !process.env[name]);
    if (missing.length > 0) throw new Error(`INFLUX_URL is set but ${missing.join(', ')} is not`);
    dir = mkdtempSync(join(tmpdir(), 'afferent-influx-'));
    store = new InfluxTimeseriesStore(join(dir, 'timeseries.db'), {
      target: { url: INFLUX_URL!, token: process.env.INFLUX_TOKEN!, org: process.env.INFLUX_ORG!, bucket: process.env.INFLUX_BUCKET!, timeoutMs: 10_000 },
      tagsOf: (id) => ({ measurement: 'integration-test', tags: { device: id, gateway: 'gw-it' } }),
      batchLines: 500, flushIntervalMs: 50, concurrency: 2, spillMaxBytes: 64 * 1024 * 1024,
      backoff: DEFAULT_BACKOFF, metrics: new Registry(), logger: createLogger('silent'),
    });
    store.write(samples);
    await waitFor('the spill queue to drain into InfluxDB', () => store.spillStats().rows === 0, 30_000);
  });
  afterAll(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers raw queries with the values and kinds written', async () => {
    const result = await store.query({ devices: [device], from: t0, to: t0 + 599_999, limit: 100_000 });
    expect(result.truncated).toBe(false);
    for (const point of ['voltage', 'relay', 'mode']) {
      expect(result.devices[device]?.[point], point).toEqual(samples.filter((s) => s.point === point).map((s) => ({ t: s.t, v: s.value })));
    }
  });

  it('aggregates like the reference (and so like the embedded store), for every function', async () => {
    for (const fn of AGGREGATE_FUNCTIONS) {
      for (const every of [60_000, 300_000]) {
        const q = { devices: [device], from: t0, to: t0 + 599_999, every, fn, limit: 100_000 };
        const expected = referenceAggregate(samples.filter((s) => !needsNumbers(fn) || s.point === 'voltage'), q);
        expect((await store.aggregate(q)).devices, `${fn} every ${every}`).toEqual(expected);
      }
    }
  });
});
