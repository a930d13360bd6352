import { gatewayTopic, type AlarmBatch, type AlarmTransition, type Inventory } from '@afferent/device-profiles';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { HubEvent } from '../bus/hub-events.js';
import type { RunningHub } from '../hub.js';
import { ackedSeqs, ADMIN_TOKEN, collectAcks, TestBed } from '../test-support/test-hub.js';
import { waitFor } from '@afferent/testkit';
import type { AlarmEventData } from './alarm-events.js';

const T0 = 1_700_000_000_000;

function transition(state: AlarmTransition['state'], t: number, d = 'meter-1'): AlarmTransition {
  return { d, alarm: 'overvoltage', t, state, severity: 'major', message: `Voltage ${state}`, values: { voltage: state === 'raised' ? 256 : 247 } };
}
const batch = (seq: number, alarms: AlarmTransition[], extra: Partial<AlarmBatch> = {}): AlarmBatch => ({ epoch: 'epoch-test-1', seq, alarms, ...extra });

async function publish(client: MqttClient, gateway: string, payload: AlarmBatch | string): Promise<void> {
  await client.publishAsync(gatewayTopic(gateway, 'alarms'), typeof payload === 'string' ? payload : JSON.stringify(payload), { qos: 1 });
}

async function api<T>(hub: RunningHub, path: string): Promise<T> {
  const response = await fetch(`${hub.apiUrl}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return (await response.json()) as T;
}

async function metric(hub: RunningHub, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await hub.metrics.registry.getSingleMetricAsString(name);
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return text.split('\n').filter((l) => l.startsWith(name) && want.every((w) => l.includes(w)))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

describe('alarm ingest over MQTT', () => {
  const bed = new TestBed();
  afterEach(() => bed.cleanup());

  async function setUp() {
    const config = bed.config();
    const hub = await bed.hub(config);
    const password = await bed.gateway(hub, 'gw-1');
    const client = await bed.connect(hub, { username: 'gw-1', password });
    const acks = await collectAcks(client, 'gw-1');
    const inventory: Inventory = { t: T0, devices: [{ id: 'meter-1', profile: 'eastron-sdm120', profileVersion: 1, protocol: 'modbus' }] };
    await client.publishAsync(gatewayTopic('gw-1', 'inventory'), JSON.stringify(inventory), { qos: 1, retain: true });
    await waitFor('meter-1 from the inventory', () => hub.registry.devices.get('meter-1'));
    return { hub, client, acks, password, dataDir: config.dataDir };
  }

  it('stores transitions, then acks; a duplicate batch is acked again and stored once; each transition is announced', async () => {
    const { hub, client, acks } = await setUp();
    const events: HubEvent[] = [];
    hub.bus.subscribe((e) => events.push(e), ['alarm']);

    await publish(client, 'gw-1', batch(3, [transition('raised', T0)]));
    await waitFor('the ack', () => ackedSeqs(acks).includes(3));
    expect(acks[0]).toEqual({ epoch: 'epoch-test-1', seqs: [3] });
    const { alarms } = await api<{ alarms: { id: number; state: string; raiseCount: number; gateway: string }[] }>(hub, '/api/v1/alarms');
    expect(alarms).toEqual([expect.objectContaining({ state: 'active', raiseCount: 1, gateway: 'gw-1' })]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'alarm', device: 'meter-1', gateway: 'gw-1' });
    expect((events[0]!.data as AlarmEventData).transition).toMatchObject({ event: 'raised', t: T0, source: 'edge', by: 'gw-1' });

    await publish(client, 'gw-1', batch(3, [transition('raised', T0)]));
    await waitFor('the ack of the duplicate', () => ackedSeqs(acks).length === 2);
    // The same transition in another batch (an agent replaying it) is no transition either.
    await publish(client, 'gw-1', batch(4, [transition('raised', T0), transition('cleared', T0 + 60_000)], { low: 3 }));
    await waitFor('the ack of batch 4', () => ackedSeqs(acks).includes(4));
    const history = await api<{ history: { event: string }[] }>(hub, `/api/v1/alarms/${alarms[0]!.id}/history`);
    expect(history.history.map((e) => e.event)).toEqual(['raised', 'cleared']);
    expect(events.map((e) => (e.data as AlarmEventData).transition.event)).toEqual(['raised', 'cleared']);
    expect(await metric(hub, 'afferent_hub_alarm_batches_total', { outcome: 'duplicate' })).toBe(1);
    expect(await metric(hub, 'afferent_hub_alarm_transitions_dropped_total', { reason: 'replay' })).toBe(1);
    expect(await metric(hub, 'afferent_hub_alarm_transitions_total', { source: 'edge', state: 'raised', severity: 'major' })).toBe(1);
    expect(await metric(hub, 'afferent_hub_active_alarms', { severity: 'major' })).toBe(0);
  });

  it('counts, logs and acks a garbled batch; drops and counts transitions of another gateway\'s device', async () => {
    const { hub, client, acks } = await setUp();
    await publish(client, 'gw-1', JSON.stringify({ epoch: 'epoch-test-1', seq: 7, alarms: [{ d: 'meter-1', state: 'exploded' }] }));
    await waitFor('the ack of the invalid batch', () => ackedSeqs(acks).includes(7));
    await publish(client, 'gw-1', '{"epoch": "epoch-test-1", "seq": 8, "ala');
    await waitFor('the malformed batch counted', async () => (await metric(hub, 'afferent_hub_alarm_batches_total', { outcome: 'malformed' })) === 1);
    expect(await metric(hub, 'afferent_hub_alarm_batches_total', { outcome: 'invalid' })).toBe(1);

    const other = await bed.gateway(hub, 'gw-2');
    const second = await bed.connect(hub, { username: 'gw-2', password: other });
    const acks2 = await collectAcks(second, 'gw-2');
    await publish(second, 'gw-2', batch(1, [transition('raised', T0), transition('raised', T0, 'meter-new')]));
    await waitFor('gw-2 batch acked', () => ackedSeqs(acks2).includes(1));
    expect(await metric(hub, 'afferent_hub_alarm_transitions_dropped_total', { reason: 'foreign_device' })).toBe(1);
    // A device the hub had not heard of is registered to the gateway that reports it, and its alarm kept.
    expect(hub.registry.devices.get('meter-new')).toMatchObject({ gateway: 'gw-2', profile: 'unknown' });
    const { alarms } = await api<{ alarms: { device: string }[] }>(hub, '/api/v1/alarms');
    expect(alarms.map((a) => a.device)).toEqual(['meter-new']);
    expect(await metric(hub, 'afferent_hub_active_alarms', { severity: 'major' })).toBe(1);
  });

  it('recognises a replayed batch after a hub restart', async () => {
    const first = await setUp();
    await publish(first.client, 'gw-1', batch(1, [transition('raised', T0)]));
    await waitFor('the ack', () => ackedSeqs(first.acks).includes(1));
    await bed.stop();

    const hub = await bed.hub(bed.config(first.dataDir));
    const client = await bed.connect(hub, { username: 'gw-1', password: first.password });
    const acks = await collectAcks(client, 'gw-1');
    await publish(client, 'gw-1', batch(1, [transition('raised', T0)]));
    await waitFor('the ack after the restart', () => ackedSeqs(acks).includes(1));
    expect(await metric(hub, 'afferent_hub_alarm_batches_total', { outcome: 'duplicate' })).toBe(1);
    expect((await api<{ alarms: { raiseCount: number }[] }>(hub, '/api/v1/alarms')).alarms).toEqual([expect.objectContaining({ raiseCount: 1 })]);
  });
});
