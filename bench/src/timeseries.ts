import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort } from '@afferent/simulators';
import { waitFor } from '@afferent/testkit';
import {
  createLogger, HubMetrics, InfluxTimeseriesStore, SqliteTimeseriesStore, type Sample, type TimeseriesStore,
} from '@afferent/cloud-hub';
import { fmt, type BenchResult, type BenchRow } from './suite.js';

/**
 * Time series benchmarks: `node bench/dist/timeseries.js`.
 * 1. ingest into the embedded store, one write (one commit) per batch, for two batch shapes;
 * 2. ingest into the InfluxDB store: into its spill queue, and through to a real
 *    VictoriaMetrics (InfluxDB v2 write API) until the queue is empty;
 * 3. query latency in the embedded store: one day of 1 s data of one device
 *    (10 points) aggregated to 1 minute, before and after the rollup job ran.
 */
const T0 = Date.now() - 2 * 86_400_000;
const DAY = 86_400_000;

interface Shape {
  name: string;
  batches: number;
  readings: number;
  points: number;
  devices: number;
}

const SHAPES: Shape[] = [
  { name: '100 readings × 10 points over 10 devices (10 samples per series per batch)', batches: 400, readings: 100, points: 10, devices: 10 },
  { name: '100 readings × 10 points over 50 devices (2 samples per series per batch)', batches: 400, readings: 100, points: 10, devices: 50 },
];

function batchOf(shape: Shape, seq: number): Sample[] {
  const out: Sample[] = [];
  for (let r = 0; r < shape.readings; r++) {
    const device = `dev-${r % shape.devices}`;
    const t = T0 + seq * 1000 + Math.floor(r / shape.devices);
    for (let p = 0; p < shape.points; p++) out.push({ device, point: `p${p}`, t, value: seq + p / 10 });
  }
  return out;
}

/** Points per second written through `write`, one batch per call; `settle` waits for whatever the store does after. */
async function ingest(store: TimeseriesStore, shape: Shape, settle: () => Promise<void> = async () => {}): Promise<{ write: number; settled: number }> {
  const batches = Array.from({ length: shape.batches }, (_, i) => batchOf(shape, i + 1));
  const points = shape.batches * shape.readings * shape.points;
  const started = performance.now();
  for (const batch of batches) store.write(batch);
  const written = performance.now();
  await settle();
  const settled = performance.now();
  return { write: points / ((written - started) / 1000), settled: points / ((settled - started) / 1000) };
}

async function influxPath(dir: string, shape: Shape): Promise<{ write: number; settled: number }> {
  const port = await freePort();
  const vm = spawn('/usr/bin/victoria-metrics', [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${join(dir, `vm-${shape.devices}`)}`,
    '-retentionPeriod=1', '-loggerLevel=ERROR'], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor('victoria-metrics', async () => (await fetch(`${url}/health`).catch(() => undefined))?.ok === true, 20_000, 20);
    const store = new InfluxTimeseriesStore(join(dir, `influx-${shape.devices}.db`), {
      target: { url, org: 'bench', bucket: 'bench', token: 'bench', timeoutMs: 10_000 },
      tagsOf: (device) => ({ measurement: 'bench', tags: { device, gateway: 'gw' } }),
      batchLines: 5000, flushIntervalMs: 200, concurrency: 2, spillMaxBytes: 1024 ** 3,
      metrics: new HubMetrics().registry, logger: createLogger('silent'),
    });
    try {
      return await ingest(store, shape, async () => { await waitFor('the spill queue to drain', () => store.spillStats().rows === 0, 120_000, 20); });
    } finally {
      await store.close();
    }
  } finally {
    vm.kill('SIGKILL');
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function latency(run: () => Promise<unknown>, times = 40): Promise<{ p50: number; p99: number }> {
  await run(); // warm the page cache and the prepared statements
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await run();
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 0.5), p99: percentile(ms, 0.99) };
}

async function queryLatency(dir: string): Promise<BenchRow[]> {
  const store = new SqliteTimeseriesStore(join(dir, 'query.db'), { retention: { rawMs: 7 * DAY, rollupMs: 90 * DAY } });
  try {
    const from = T0 - (T0 % 60_000);
    for (let hour = 0; hour < 24; hour++) {
      const samples: Sample[] = [];
      for (let s = 0; s < 3600; s++) {
        const t = from + hour * 3_600_000 + s * 1000;
        for (let p = 0; p < 10; p++) samples.push({ device: 'meter', point: `p${p}`, t, value: Math.sin(t / 1e7 + p) * 100 });
      }
      store.write(samples);
    }
    const q = { devices: ['meter'], from, to: from + DAY - 1, every: 60_000, fn: 'mean' as const, limit: 100_000 };
    const rows: BenchRow[] = [];
    const measure = async (when: string) => {
      const one = await latency(() => store.aggregate({ ...q, points: ['p0'] }));
      const all = await latency(() => store.aggregate(q));
      rows.push(
        { metric: `1 day of 1 s data → 1 min mean, 1 point, ${when}`, value: `p50 ${fmtMs(one.p50)}, p99 ${fmtMs(one.p99)}` },
        { metric: `same, 10 points, ${when}`, value: `p50 ${fmtMs(all.p50)}, p99 ${fmtMs(all.p99)}` },
      );
    };
    await measure('from raw samples');
    // The usual state: the rollup job has run, so settled minutes are read from rollups even while raw samples remain.
    await store.maintain(from + DAY + 2 * 60_000);
    await measure('after the rollup job');
    return rows;
  } finally {
    await store.close();
  }
}

const fmtMs = (ms: number) => `${ms.toFixed(1)} ms`;

export async function run(): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'afferent-bench-ts-'));
  try {
    const rows: BenchRow[] = [];
    for (const [i, shape] of SHAPES.entries()) {
      const embedded = new SqliteTimeseriesStore(join(dir, `embedded-${i}.db`));
      const sqlite = await ingest(embedded, shape, () => embedded.close());
      const influx = await influxPath(dir, shape);
      rows.push(
        { metric: `embedded store, ${shape.name}`, value: fmt.rate(sqlite.settled, 'points/s'), target: '≥ 100,000 points/s', met: sqlite.settled >= 100_000 },
        { metric: `InfluxDB store into the spill queue, ${shape.name}`, value: fmt.rate(influx.write, 'points/s') },
        { metric: `InfluxDB store until VictoriaMetrics confirmed, ${shape.name}`, value: fmt.rate(influx.settled, 'points/s') },
      );
    }
    rows.push(...(await queryLatency(dir)));
    return { suite: 'timeseries', setup: 'store writes in ingest-sized batches (closing included); InfluxDB path through a VictoriaMetrics process; queries over one day of 1 s data, 40 runs each', rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}


