import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLogger, resolveHubConfig, SqliteTimeseriesStore, startHub, type Sample } from '@afferent/cloud-hub';
import { gatewayTopic } from '@afferent/device-profiles';
import { connectAsync } from 'mqtt';

import { fmt, type BenchResult } from './suite.js';

/**
 * Hub ingest throughput:
 * 1. the SQLite store alone (samples in one write per batch);
 * 2. end to end: mqtt.js publishes telemetry batches (QoS 1) to a real hub in
 *    this process, keeping `window` batches unacked, until every ack is back.
 * The publisher shares the CPU with the hub, so the second figure is a floor.
 */
export interface HubIngestOptions {
  batches?: number;
  readingsPerBatch?: number;
  pointsPerReading?: number;
  window?: number;
  devices?: number;
}

const T0 = 1_700_000_000_000;

export async function run(options: HubIngestOptions = {}): Promise<BenchResult> {
  const { batches = 400, readingsPerBatch = 100, pointsPerReading = 10, window = 16, devices = 50 } = options;
  const pointsPerBatch = readingsPerBatch * pointsPerReading;

function readings(seq: number) {
  return Array.from({ length: readingsPerBatch }, (_, r) => ({
    d: `dev-${r % devices}`,
    t: T0 + seq * 1000 + Math.floor(r / devices),
    v: Object.fromEntries(Array.from({ length: pointsPerReading }, (_, p) => [`p${p}`, seq + p / 10])),
  }));
}

function storeOnly(dir: string): number {
  const store = new SqliteTimeseriesStore(join(dir, 'store-only.db'));
  const started = performance.now();
  for (let seq = 1; seq <= batches; seq++) {
    const samples: Sample[] = readings(seq).flatMap((r) => Object.entries(r.v).map(([point, value]) => ({ device: r.d, point, t: r.t, value })));
    store.write(samples);
  }
  const seconds = (performance.now() - started) / 1000;
  store.close();
  return (batches * pointsPerBatch) / seconds;
}

async function endToEnd(dir: string): Promise<{ pointsPerSecond: number; p99: number }> {
  const config = resolveHubConfig({ logLevel: 'silent' }, { host: '127.0.0.1', httpPort: 0, mqttPort: 0, dataDir: join(dir, 'hub') });
  const hub = await startHub(config, { logger: createLogger('silent'), adminToken: 'bench-admin-token-0123456789abcdef' });
  hub.registry.gateways.create('bench-gw', 'default');
  const password = await hub.registry.gateways.issuePassword('bench-gw');
  const client = await connectAsync(hub.mqttUrl, { protocolVersion: 4, username: 'bench-gw', password, reconnectPeriod: 0 });
  const payloads = Array.from({ length: batches }, (_, i) => JSON.stringify({ epoch: 'bench-epoch-1', seq: i + 1, readings: readings(i + 1) }));
  let acked = 0;
  let next = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const send = () => {
      while (next < batches && next - acked < window) client.publish(gatewayTopic('bench-gw', 'telemetry'), payloads[next++]!, { qos: 1 });
    };
    client.on('message', (_topic, payload) => {
      acked += (JSON.parse(payload.toString()) as { seqs: number[] }).seqs.length;
      if (acked >= batches) resolve();
      else send();
    });
    client.subscribe(gatewayTopic('bench-gw', 'ack'), { qos: 1 }, () => send());
  });
  const seconds = (performance.now() - started) / 1000;
  const latency = (await hub.metrics.ingestLatency.get()).values;
  const total = latency.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
  const p99 = latency.filter((v) => v.metricName?.endsWith('_bucket')).find((v) => v.value >= total * 0.99)?.labels.le;
  await client.endAsync();
  await hub.stop();
  return { pointsPerSecond: (batches * pointsPerBatch) / seconds, p99: Number(p99) };
}

const dir = mkdtempSync(join(tmpdir(), 'afferent-bench-'));
try {
  const store = storeOnly(dir);
  const e2e = await endToEnd(dir);
  return {
    suite: 'hub-ingest',
    setup: `${batches} batches × ${readingsPerBatch} readings × ${pointsPerReading} points (${devices * pointsPerReading} series), ${window} batches in flight; publisher and hub in one process`,
    rows: [
      { metric: 'embedded store alone', value: fmt.rate(store, 'points/s'), target: '≥ 100,000 points/s', met: store >= 100_000 },
      { metric: 'MQTT in → stored → acked', value: fmt.rate(e2e.pointsPerSecond, 'points/s'), target: '≥ 100,000 points/s', met: e2e.pointsPerSecond >= 100_000 },
      { metric: 'receive → commit, p99 (histogram bucket)', value: `≤ ${fmt.ms(e2e.p99 * 1000)}` },
    ],
  };
} finally {
  rmSync(dir, { recursive: true, force: true });
}
}
