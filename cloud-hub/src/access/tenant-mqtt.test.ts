import { encodeWire, gatewayTopic } from '@afferent/device-profiles';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningHub } from '../hub.js';
import {
  ackedSeqs, ADMIN_TOKEN, collectAcks, countRows, publishTelemetry, TestBed, telemetryBatch,
} from '../test-support/test-hub.js';
import { waitFor } from '@afferent/testkit';

/**
 * Tenants at the broker, with the real aedes and mqtt.js: gateway gw-a of
 * tenant A and gw-b of tenant B. MQTT access is per gateway already; these
 * show that it holds across tenants, for topics, devices and commands.
 */
describe('MQTT access across tenants', () => {
  const bed = new TestBed();
  afterEach(() => bed.cleanup());

  const api = (hub: RunningHub, method: string, path: string, body?: object, token = ADMIN_TOKEN) => fetch(`${hub.apiUrl}${path}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}),
  });

  async function twoTenants() {
    const hub = await bed.hub();
    for (const id of ['tenant-a', 'tenant-b']) expect((await api(hub, 'POST', '/api/v1/tenants', { id })).status).toBe(201);
    const a = await bed.gateway(hub, 'gw-a', 'tenant-a');
    const b = await bed.gateway(hub, 'gw-b', 'tenant-b');
    return { hub, a, b };
  }

  /** B's gateway announces meter-b (a device of a profile the hub knows) and the hub registers it. */
  async function announceMeterB(hub: RunningHub, client: MqttClient) {
    const inventory = { t: 1, devices: [{ id: 'meter-b', profile: 'xy-md02', profileVersion: 1, protocol: 'modbus' as const }] };
    await client.publishAsync(gatewayTopic('gw-b', 'inventory'), encodeWire('inventory', inventory), { qos: 1, retain: true });
    await waitFor('meter-b registered to gw-b', () => hub.registry.devices.get('meter-b'));
  }

  it('lets a gateway of tenant A neither subscribe to nor publish on the topics of tenant B\'s gateway', async () => {
    const { hub, a } = await twoTenants();
    const intruder = await bed.connect(hub, { username: 'gw-a', password: a });
    for (const kind of ['cmd', 'config', 'ack'] as const) {
      await expect(intruder.subscribeAsync(gatewayTopic('gw-b', kind), { qos: 1 }), kind).rejects.toMatchObject({ packet: { granted: [128] } });
    }
    const closed = new Promise<void>((resolve) => intruder.once('close', () => resolve()));
    intruder.publish(gatewayTopic('gw-b', 'telemetry'), JSON.stringify(telemetryBatch(1, [{ d: 'meter-b', t: 1, v: { temperature: 20 } }])), { qos: 1 });
    await closed;
    expect((await hub.metrics.refusedPublishes.get()).values[0]?.value).toBe(1);
    expect(hub.registry.devices.get('meter-b')).toBeUndefined();
  });

  it('stores nothing a gateway of tenant A sends for a device owned under tenant B, and acks it', async () => {
    const { hub, a, b } = await twoTenants();
    await announceMeterB(hub, await bed.connect(hub, { username: 'gw-b', password: b }));
    const squatter = await bed.connect(hub, { username: 'gw-a', password: a });
    const acks = await collectAcks(squatter, 'gw-a');
    await publishTelemetry(squatter, 'gw-a', telemetryBatch(1, [{ d: 'meter-b', t: 1, v: { temperature: 99 } }, { d: 'meter-a', t: 1, v: { temperature: 20 } }]));
    await waitFor('ack of gw-a batch 1', () => ackedSeqs(acks).includes(1));
    expect(countRows(bed.dirs[0]!, "SELECT count(*) AS n FROM series WHERE device = 'meter-b'")).toBe(0);
    expect(countRows(bed.dirs[0]!, "SELECT count(*) AS n FROM series WHERE device = 'meter-a'")).toBe(1);
    expect(hub.registry.devices.get('meter-b')?.gateway).toBe('gw-b');
    expect((await hub.metrics.droppedReadings.get()).values).toEqual([expect.objectContaining({ labels: { reason: 'foreign_device' }, value: 1 })]);
    // Nor can it take the device over by claiming it in its inventory.
    await squatter.publishAsync(gatewayTopic('gw-a', 'inventory'), encodeWire('inventory', { t: 2, devices: [{ id: 'meter-b', profile: 'xy-md02', profileVersion: 1, protocol: 'modbus' as const }] }), { qos: 1 });
    await waitFor('the conflict counted', async () => (await hub.metrics.deviceConflicts.get()).values[0]?.value === 1);
    expect(hub.registry.devices.get('meter-b')?.gateway).toBe('gw-b');
  });

  it('delivers a command for tenant B\'s device to B\'s gateway only, and A\'s tokens cannot send one', async () => {
    const { hub, a, b } = await twoTenants();
    const owner = await bed.connect(hub, { username: 'gw-b', password: b });
    await announceMeterB(hub, owner);
    const other = await bed.connect(hub, { username: 'gw-a', password: a });
    const received = { a: [] as string[], b: [] as string[] };
    owner.on('message', (topic, payload) => received.b.push(`${topic} ${payload.toString('utf8')}`));
    other.on('message', (topic, payload) => received.a.push(`${topic} ${payload.toString('utf8')}`));
    await owner.subscribeAsync(gatewayTopic('gw-b', 'cmd'), { qos: 1 });
    await other.subscribeAsync([gatewayTopic('gw-a', 'cmd'), gatewayTopic('gw-a', 'config')], { qos: 1 });

    const tokenOf = async (tenant: string) => ((await (await api(hub, 'POST', '/api/v1/tokens', { name: `${tenant} ops`, role: 'operator', tenant })).json()) as { token: string }).token;
    const write = { write: { temperature_correction: 1 } };
    const refused = await api(hub, 'POST', '/api/v1/devices/meter-b/commands', write, await tokenOf('tenant-a'));
    expect(refused.status).toBe(404);
    const sent = await api(hub, 'POST', '/api/v1/devices/meter-b/commands', write, await tokenOf('tenant-b'));
    expect(sent.status).toBe(202);
    const { id } = (await sent.json()) as { id: string };
    await waitFor('the command at gw-b', () => received.b.some((m) => m.includes(id)));
    // A config for gw-a, published after the command: once it arrives, anything sent to gw-a before it has arrived too.
    expect((await api(hub, 'PUT', '/api/v1/gateways/gw-a/config', { devices: [] })).status).toBe(200);
    await waitFor('gw-a\'s config', () => received.a.length > 0);
    expect(received.a).toEqual([expect.stringMatching(/^v1\/gw\/gw-a\/config /)]);
    expect(received.b).toEqual([expect.stringMatching(new RegExp(`^v1/gw/gw-b/cmd .*"id":"${id}"`))]);
  });
});
