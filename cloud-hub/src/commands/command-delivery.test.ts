import { decodeWire, encodeWire, gatewayTopic, type Command } from '@afferent/device-profiles';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningHub } from '../hub.js';
import { ADMIN_TOKEN, TestBed } from '../test-support/test-hub.js';
import { waitFor } from '@afferent/testkit';
import type { CommandRecord } from './command-record.js';

const bed = new TestBed();
afterEach(() => bed.cleanup());

/** A gateway played by a plain MQTT client: it claims one device and collects the commands it is sent. */
async function gateway(hub: RunningHub, password: string, subscribe = true): Promise<{ client: MqttClient; received: Command[] }> {
  const client = await bed.connect(hub, { username: 'gw-1', password });
  const received: Command[] = [];
  client.on('message', (_topic, payload) => {
    const decoded = decodeWire('cmd', payload);
    if (decoded.ok) received.push(decoded.value);
  });
  await client.publishAsync(gatewayTopic('gw-1', 'inventory'), encodeWire('inventory', {
    t: Date.now(), devices: [{ id: 'th-1', profile: 'xy-md02', profileVersion: 1, protocol: 'modbus' }],
  }), { qos: 1 });
  if (subscribe) await client.subscribeAsync(gatewayTopic('gw-1', 'cmd'), { qos: 1 });
  return { client, received };
}

async function write(hub: RunningHub, value: number): Promise<CommandRecord> {
  const response = await fetch(`${hub.apiUrl}/api/v1/devices/th-1/commands`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ write: { humidity_correction: value } }),
  });
  if (response.status !== 202) throw new Error(`${response.status} ${await response.text()}`);
  return (await response.json()) as CommandRecord;
}

async function statusOf(hub: RunningHub, id: string): Promise<string> {
  const response = await fetch(`${hub.apiUrl}/api/v1/commands/${id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return ((await response.json()) as CommandRecord).status;
}

describe('command delivery over MQTT', () => {
  it('waits for the gateway to subscribe, then sends what is pending in order; follows cmd-result to the outcome', async () => {
    const hub = await bed.hub();
    const password = await bed.gateway(hub, 'gw-1');
    const { client, received } = await gateway(hub, password, false);
    await waitFor('the inventory', () => hub.registry.devices.get('th-1'));
    // Connected but not subscribed yet: a command published now would be lost, so it waits.
    const a = await write(hub, 1);
    const b = await write(hub, 2);
    expect(a.status).toBe('queued');
    await client.subscribeAsync(gatewayTopic('gw-1', 'cmd'), { qos: 1 });
    await waitFor('both commands', () => received.length === 2);
    expect(received.map((c) => [c.id, c.write.humidity_correction])).toEqual([[a.id, 1], [b.id, 2]]);
    const c = await write(hub, 3);
    expect(c.status).toBe('sent');
    await waitFor('the third command at once', () => received.length === 3);

    const report = (body: object) => client.publishAsync(gatewayTopic('gw-1', 'cmd-result'), JSON.stringify(body), { qos: 1 });
    await report({ id: a.id, status: 'delivered', t: Date.now() });
    await report({ id: a.id, status: 'succeeded', t: Date.now(), readback: { humidity_correction: 1 } });
    await waitFor('the outcome', async () => (await statusOf(hub, a.id)) === 'succeeded');
  });

  it('survives garbage on cmd-result and keeps working', async () => {
    const hub = await bed.hub();
    const password = await bed.gateway(hub, 'gw-1');
    const { client } = await gateway(hub, password);
    await waitFor('the inventory', () => hub.registry.devices.get('th-1'));
    const record = await write(hub, 1);
    const topic = gatewayTopic('gw-1', 'cmd-result');
    for (const garbage of ['{"id":', '[]', JSON.stringify({ id: record.id, status: 'exploded', t: 1 }), JSON.stringify({ id: 'unknown', status: 'failed', t: 1 })]) {
      await client.publishAsync(topic, garbage, { qos: 1 });
    }
    await client.publishAsync(topic, JSON.stringify({ id: record.id, status: 'failed', t: 1, error: 'Modbus exception 2 (illegal data address)', code: 2 }), { qos: 1 });
    await waitFor('the valid result after the garbage', async () => (await statusOf(hub, record.id)) === 'failed');
    const metrics = await hub.metrics.rejectedMessages.get();
    expect(metrics.values.find((v) => v.labels.kind === 'cmd-result')?.value).toBe(4);
  });

  it('sends a command again when the gateway comes back without having confirmed it', async () => {
    const hub = await bed.hub();
    const password = await bed.gateway(hub, 'gw-1');
    const first = await gateway(hub, password);
    await waitFor('the inventory', () => hub.registry.devices.get('th-1'));
    const record = await write(hub, 1);
    await waitFor('the command', () => first.received.length === 1);
    await first.client.endAsync(true);
    const second = await gateway(hub, password);
    await waitFor('the command again', () => second.received.length === 1);
    expect(second.received[0]!.id).toBe(record.id);
    expect(await statusOf(hub, record.id)).toBe('sent');
  });
});
