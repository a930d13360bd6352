import { gatewayTopic, type Inventory } from '@afferent/device-profiles';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningHub } from '../hub.js';
import {
  ackedSeqs, collectAcks, countRows, publishTelemetry, telemetryBatch, TestBed,
} from '../test-support/test-hub.js';
import { waitFor } from '@afferent/testkit';

// Recent: the embedded store does not keep samples older than its rollup retention (90 days by default).
const T0 = Date.now() - 3_600_000;
// The embedded store stages new samples before moving them into `samples` (see sample-staging.ts): count both.
const STORED = '(SELECT value FROM samples UNION ALL SELECT value FROM samples_staged)';
const SAMPLES = `SELECT count(*) AS n FROM ${STORED}`;

async function metric(hub: RunningHub, name: keyof RunningHub['metrics'], labels: Record<string, string> = {}): Promise<number> {
  const m = hub.metrics[name] as { get(): Promise<{ values: { value: number; labels: Record<string, unknown> }[] }> };
  const values = (await m.get()).values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return values.reduce((sum, v) => sum + v.value, 0);
}

async function sendInventory(client: MqttClient, gateway: string, devices: Inventory['devices']): Promise<void> {
  const inventory: Inventory = { t: T0, devices };
  await client.publishAsync(gatewayTopic(gateway, 'inventory'), JSON.stringify(inventory), { qos: 1, retain: true });
}

describe('telemetry ingest', () => {
  const bed = new TestBed();
  afterEach(() => bed.cleanup());

  async function setUp(dataDir?: string) {
    const config = bed.config(dataDir);
    const hub = await bed.hub(config);
    const password = hub.registry.gateways.get('gw-1') ? undefined : await bed.gateway(hub, 'gw-1');
    return { hub, dataDir: config.dataDir, password };
  }

  async function gatewayClient(hub: RunningHub, password: string) {
    const client = await bed.connect(hub, { username: 'gw-1', password });
    const acks = await collectAcks(client, 'gw-1');
    return { client, acks };
  }

  it('stores a batch, then acks it; the same batch again is acked again but stored once', async () => {
    const { hub, dataDir, password } = await setUp();
    const { client, acks } = await gatewayClient(hub, password!);
    await sendInventory(client, 'gw-1', [{ id: 'meter-1', profile: 'eastron-sdm120', profileVersion: 1, protocol: 'modbus' }]);
    await waitFor('meter-1 from the inventory', () => hub.registry.devices.get('meter-1'));

    const batch = telemetryBatch(1, [
      { d: 'meter-1', t: T0, v: { voltage: 230.1, current: 1.5 } },
      { d: 'meter-1', t: T0 + 1000, v: { voltage: 230.4, current: 1.6 } },
    ]);
    await publishTelemetry(client, 'gw-1', batch);
    await waitFor('the first ack', () => ackedSeqs(acks).length === 1);
    expect(acks[0]).toEqual({ epoch: 'epoch-test-1', seqs: [1] });
    expect(countRows(dataDir, SAMPLES)).toBe(4);

    await publishTelemetry(client, 'gw-1', batch);
    await waitFor('the ack of the duplicate', () => ackedSeqs(acks).length === 2);
    expect(ackedSeqs(acks)).toEqual([1, 1]);
    expect(countRows(dataDir, SAMPLES)).toBe(4);
    expect(await metric(hub, 'duplicateBatches')).toBe(1);
    expect(await metric(hub, 'batchesIngested')).toBe(1);
    expect(await metric(hub, 'pointsIngested')).toBe(4);
    expect(hub.registry.devices.get('meter-1')?.lastSeen).toBe(T0 + 1000);
  });

  it('counts and acks a garbled batch, and keeps serving', async () => {
    const { hub, dataDir, password } = await setUp();
    const { client, acks } = await gatewayClient(hub, password!);
    // Valid JSON with an epoch and seq but readings that break the contract: acked so the outbox moves on.
    await publishTelemetry(client, 'gw-1', JSON.stringify({ epoch: 'epoch-test-1', seq: 7, readings: 'not a list' }));
    await waitFor('the ack of the invalid batch', () => ackedSeqs(acks).includes(7));
    // Not JSON at all: counted, but there is nothing to ack.
    await publishTelemetry(client, 'gw-1', Buffer.from('{"epoch": "epoch-test-1", "seq": 8, "readi'));
    await waitFor('the malformed batch counted', async () => (await metric(hub, 'rejectedBatches', { reason: 'malformed' })) === 1);
    expect(await metric(hub, 'rejectedBatches', { reason: 'invalid' })).toBe(1);

    await publishTelemetry(client, 'gw-1', telemetryBatch(9, [{ d: 'meter-9', t: T0, v: { x: 1 } }]));
    await waitFor('the next good batch acked', () => ackedSeqs(acks).includes(9));
    expect(countRows(dataDir, SAMPLES)).toBe(1);
    expect(ackedSeqs(acks)).toEqual([7, 9]);
  });

  it('drops values whose type contradicts the profile, stores unknown points, counts both', async () => {
    const { hub, dataDir, password } = await setUp();
    const { client, acks } = await gatewayClient(hub, password!);
    await sendInventory(client, 'gw-1', [{ id: 'th-1', profile: 'xy-md02', profileVersion: 1, protocol: 'modbus' }]);
    await waitFor('th-1 from the inventory', () => hub.registry.devices.get('th-1'));
    await publishTelemetry(client, 'gw-1', telemetryBatch(1, [
      // temperature is int16 (a number); baud_rate is an enum (its label); firmware is not in the profile.
      { d: 'th-1', t: T0, v: { temperature: 'hot', humidity: 41.5, baud_rate: '9600', firmware: 'v2' } },
      { d: 'th-1', t: T0 + 1, v: { temperature: 21.5, humidity: true } },
    ]));
    await waitFor('the ack', () => ackedSeqs(acks).includes(1));
    expect(await metric(hub, 'pointProblems', { reason: 'wrong_type' })).toBe(2);
    expect(await metric(hub, 'pointProblems', { reason: 'unknown_point' })).toBe(1);
    expect(countRows(dataDir, SAMPLES)).toBe(4);
    expect(countRows(dataDir, "SELECT count(*) AS n FROM latest WHERE device = 'th-1' AND point = 'baud_rate' AND value = '9600'")).toBe(1);
  });

  it('registers an unknown device with profile "unknown" and stores its data', async () => {
    const { hub, dataDir, password } = await setUp();
    const { client, acks } = await gatewayClient(hub, password!);
    await publishTelemetry(client, 'gw-1', telemetryBatch(1, [{ d: 'mystery', t: T0, v: { level: 3, open: false } }]));
    await waitFor('the ack', () => ackedSeqs(acks).includes(1));
    expect(hub.registry.devices.get('mystery')).toMatchObject({ gateway: 'gw-1', profile: 'unknown', lastSeen: T0 });
    expect(countRows(dataDir, "SELECT count(*) AS n FROM series WHERE device = 'mystery'")).toBe(2);
    expect(await metric(hub, 'devicesAutoRegistered')).toBe(1);
    // Its inventory arrives later: the device gets its real profile and keeps its data.
    await sendInventory(client, 'gw-1', [{ id: 'mystery', profile: 'xy-md02', profileVersion: 1, protocol: 'modbus' }]);
    await waitFor('the profile from the inventory', () => hub.registry.devices.get('mystery')?.profile === 'xy-md02');
  });

  it('keeps the first owner of a device id and drops another gateway\'s readings of it', async () => {
    const { hub, dataDir, password } = await setUp();
    const other = await bed.gateway(hub, 'gw-2');
    const { client } = await gatewayClient(hub, password!);
    await sendInventory(client, 'gw-1', [{ id: 'shared', profile: 'xy-md02', profileVersion: 1, protocol: 'modbus' }]);
    await waitFor('shared registered for gw-1', () => hub.registry.devices.get('shared'));

    const second = await bed.connect(hub, { username: 'gw-2', password: other });
    const acks2 = await collectAcks(second, 'gw-2');
    await sendInventory(second, 'gw-2', [{ id: 'shared', profile: 'eastron-sdm120', profileVersion: 1, protocol: 'modbus' }]);
    await waitFor('the conflict counted', async () => (await metric(hub, 'deviceConflicts')) === 1);
    expect(hub.registry.devices.get('shared')).toMatchObject({ gateway: 'gw-1', profile: 'xy-md02' });

    await publishTelemetry(second, 'gw-2', telemetryBatch(1, [{ d: 'shared', t: T0, v: { temperature: 20 } }]));
    await waitFor('gw-2 batch acked', () => ackedSeqs(acks2).includes(1));
    expect(await metric(hub, 'droppedReadings', { reason: 'foreign_device' })).toBe(1);
    expect(countRows(dataDir, SAMPLES)).toBe(0);
  });

  it('forgets batches below `low`, and still treats them as duplicates', async () => {
    const { hub, dataDir, password } = await setUp();
    const { client, acks } = await gatewayClient(hub, password!);
    for (const seq of [1, 2, 3]) await publishTelemetry(client, 'gw-1', telemetryBatch(seq, [{ d: 'm', t: T0 + seq, v: { x: seq } }], { low: 1 }));
    await waitFor('three acks', () => ackedSeqs(acks).length === 3);
    await publishTelemetry(client, 'gw-1', telemetryBatch(4, [{ d: 'm', t: T0 + 4, v: { x: 4 } }], { low: 4 }));
    await waitFor('the fourth ack', () => ackedSeqs(acks).length === 4);
    expect(countRows(dataDir, 'SELECT count(*) AS n FROM ingested_batches')).toBe(1);
    await publishTelemetry(client, 'gw-1', telemetryBatch(2, [{ d: 'm', t: T0 + 2, v: { x: 99 } }], { low: 1 }));
    await waitFor('the ack of the old batch', () => ackedSeqs(acks).length === 5);
    expect(countRows(dataDir, `${SAMPLES} WHERE value = 99`)).toBe(0);
    expect(await metric(hub, 'duplicateBatches')).toBe(1);
  });

  it('recognises duplicates after a hub restart', async () => {
    const first = await setUp();
    let { client, acks } = await gatewayClient(first.hub, first.password!);
    const batches = [1, 2].map((seq) => telemetryBatch(seq, [{ d: 'meter-r', t: T0 + seq, v: { x: seq } }]));
    for (const batch of batches) await publishTelemetry(client, 'gw-1', batch);
    await waitFor('both acks', () => ackedSeqs(acks).length === 2);
    await bed.stop();

    const second = await setUp(first.dataDir);
    ({ client, acks } = await gatewayClient(second.hub, first.password!));
    for (const batch of batches) await publishTelemetry(client, 'gw-1', batch);
    await waitFor('both acked again', () => ackedSeqs(acks).length === 2);
    expect(countRows(first.dataDir, SAMPLES)).toBe(2);
    expect(await metric(second.hub, 'duplicateBatches')).toBe(2);
    expect(await metric(second.hub, 'batchesIngested')).toBe(0);
  });

  it('records status: online state, version, backlog and device health', async () => {
    const { hub, password } = await setUp();
    const { client } = await gatewayClient(hub, password!);
    const status = {
      state: 'online', t: T0, version: '0.3.0',
      backlog: { batches: 2, readings: 40, bytes: 4096 },
      devices: { 'meter-1': { reachable: true, readErrors: 0, latencyMs: 12 } },
    };
    await client.publishAsync(gatewayTopic('gw-1', 'status'), JSON.stringify(status), { qos: 1, retain: true });
    await waitFor('the status recorded', () => hub.registry.gateways.get('gw-1')?.status?.version === '0.3.0');
    expect(hub.registry.gateways.get('gw-1')).toMatchObject({ online: true, status });
    await client.publishAsync(gatewayTopic('gw-1', 'status'), '{"state":"sleepy"}', { qos: 1 });
    await waitFor('the bad status counted', async () => (await metric(hub, 'rejectedMessages', { kind: 'status' })) === 1);
  });
});
