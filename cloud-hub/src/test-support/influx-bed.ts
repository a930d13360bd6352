import { gatewayTopic, type Inventory, type TelemetryBatch } from '@afferent/device-profiles';
import type { MqttClient } from 'mqtt';
import type { HubConfig } from '../config/hub-config.js';
import type { RunningHub } from '../hub.js';
import { DEFAULT_TIMESERIES_CONFIG, type InfluxConfig } from '../timeseries/timeseries-config.js';
import { ackedSeqs, collectAcks, publishTelemetry, type TestBed } from './test-hub.js';
import { waitFor } from '@afferent/testkit';

/** A hub whose store is InfluxDB at `url`, with short batching and backoff so tests move quickly. */
export function influxHubConfig(bed: TestBed, url: string, influx: Partial<InfluxConfig> = {}): HubConfig {
  return bed.config(undefined, {
    timeseries: {
      ...DEFAULT_TIMESERIES_CONFIG,
      store: 'influxdb',
      labels: ['site'],
      influx: {
        url, org: 'afferent', bucket: 'telemetry', token: 'test-token', batchLines: 50, flushIntervalMs: 20, concurrency: 2,
        timeoutMs: 5000, spillMaxBytes: 64 * 1024 * 1024, backoff: { minMs: 50, maxMs: 400 }, ...influx,
      },
    },
  });
}

export const DEVICES = ['meter-1', 'meter-2'];
/** Per reading: two number points and a bool: three fields, so three VictoriaMetrics rows. */
export const POINTS_PER_READING = 3;

/** Batch `seq`: `readings` readings per device, at recent times (VictoriaMetrics keeps one month), all distinct. */
export function batch(seq: number, readings: number, t0: number): TelemetryBatch {
  return {
    epoch: 'epoch-influx-1',
    seq,
    readings: DEVICES.flatMap((d) => Array.from({ length: readings }, (_, i) => ({
      d, t: t0 + seq * 1000 + i, v: { voltage: 230 + seq / 10, current: i, relay: i % 2 === 0 },
    }))),
  };
}

/** A gateway connected to the hub, its devices announced (so they have a profile and labels). */
export async function influxGateway(bed: TestBed, hub: RunningHub) {
  const password = await bed.gateway(hub, 'gw-1');
  const client: MqttClient = await bed.connect(hub, { username: 'gw-1', password });
  const acks = await collectAcks(client, 'gw-1');
  const inventory: Inventory = {
    t: Date.now(),
    devices: DEVICES.map((id) => ({ id, profile: 'eastron-sdm120', profileVersion: 1, protocol: 'modbus', labels: { site: 'plant-a' } })),
  };
  await client.publishAsync(gatewayTopic('gw-1', 'inventory'), JSON.stringify(inventory), { qos: 1, retain: true });
  await waitFor('the devices from the inventory', () => DEVICES.every((d) => hub.registry.devices.get(d)));
  const acked = () => new Set(ackedSeqs(acks));
  /** Publish and wait for the ack. */
  const send = async (b: TelemetryBatch) => {
    await publishTelemetry(client, 'gw-1', b);
    await waitFor(`the ack of batch ${b.seq}`, () => acked().has(b.seq), 20_000);
  };
  return { client, acks, acked, send };
}

/** The value of a hub metric (summed over label sets matching `labels`). */
export async function hubMetric(hub: RunningHub, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = hub.metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
}
