import { gatewayTopic } from '@afferent/device-profiles';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, countRows, publishTelemetry, TestBed, telemetryBatch, collectAcks, ackedSeqs } from '../test-support/test-hub.js';
import { waitFor } from '@afferent/testkit';

/** Broker access with the real aedes and mqtt.js (MQTT 3.1.1). */
describe('MQTT access control', () => {
  const bed = new TestBed();
  afterEach(() => bed.cleanup());

  async function hubWithGateways() {
    const hub = await bed.hub();
    const a = await bed.gateway(hub, 'gw-a');
    const b = await bed.gateway(hub, 'gw-b');
    return { hub, a, b };
  }

  it('admits a gateway with its own credentials', async () => {
    const { hub, a } = await hubWithGateways();
    const client = await bed.connect(hub, { username: 'gw-a', password: a });
    expect(client.connected).toBe(true);
    await waitFor('gw-a online', () => hub.registry.gateways.get('gw-a')?.online);
  });

  it('refuses anonymous, unknown, wrong-password and disabled clients', async () => {
    const { hub, a, b } = await hubWithGateways();
    hub.registry.gateways.setEnabled('gw-b', false);
    await expect(bed.connect(hub)).rejects.toMatchObject({ code: 5, message: expect.stringMatching(/not authorized/i) });
    await expect(bed.connect(hub, { username: 'gw-a', password: 'not-the-password' }))
      .rejects.toMatchObject({ code: 4, message: expect.stringMatching(/bad username or password/i) });
    await expect(bed.connect(hub, { username: 'gw-zz', password: a }))
      .rejects.toMatchObject({ code: 4 });
    await expect(bed.connect(hub, { username: 'gw-a' })).rejects.toMatchObject({ code: 4 });
    await expect(bed.connect(hub, { username: 'gw-b', password: b }))
      .rejects.toMatchObject({ code: 5, message: expect.stringMatching(/not authorized/i) });
    const refused = await hub.metrics.refusedConnections.get();
    expect(Object.fromEntries(refused.values.map((v) => [v.labels.reason, v.value]))).toEqual({
      anonymous: 1, wrong_password: 1, unknown_gateway: 2, disabled: 1,
    });
  });

  it('grants subscriptions only to the gateway\'s own down topics', async () => {
    const { hub, a } = await hubWithGateways();
    const client = await bed.connect(hub, { username: 'gw-a', password: a });
    await expect(client.subscribeAsync(gatewayTopic('gw-a', 'ack'), { qos: 1 })).resolves.toEqual([
      expect.objectContaining({ topic: 'v1/gw/gw-a/ack', qos: 1 }),
    ]);
    for (const topic of ['v1/gw/gw-b/ack', 'v1/gw/+/ack', '#', 'v1/gw/gw-a/#', 'v1/gw/gw-a/telemetry']) {
      await expect(client.subscribeAsync(topic, { qos: 1 }), topic).rejects.toMatchObject({ packet: { cmd: 'suback', granted: [128] } });
    }
    // A refused subscription keeps the connection.
    expect(client.connected).toBe(true);
  });

  it('does not deliver a publish to another gateway\'s topic, and drops the connection', async () => {
    const { hub, a, b } = await hubWithGateways();
    const intruder = await bed.connect(hub, { username: 'gw-a', password: a });
    const closed = new Promise<void>((resolve) => intruder.once('close', () => resolve()));
    intruder.publish(gatewayTopic('gw-b', 'telemetry'), JSON.stringify(telemetryBatch(1, [{ d: 'spoofed', t: 1, v: { x: 1 } }])), { qos: 1 });
    await closed;

    // gw-b's own batch afterwards is stored and acked: the spoofed one before it was not.
    const owner = await bed.connect(hub, { username: 'gw-b', password: b });
    const acks = await collectAcks(owner, 'gw-b');
    await publishTelemetry(owner, 'gw-b', telemetryBatch(1, [{ d: 'real', t: 1, v: { x: 2 } }]));
    await waitFor('ack of gw-b batch 1', () => ackedSeqs(acks).includes(1));
    expect(hub.registry.devices.get('spoofed')).toBeUndefined();
    expect(countRows(bed.dirs[0]!, "SELECT count(*) AS n FROM series WHERE device = 'spoofed'")).toBe(0);
    expect((await hub.metrics.refusedPublishes.get()).values[0]?.value).toBe(1);
  });

  it('accepts a will on the gateway\'s own status topic and publishes it on an unclean drop', async () => {
    const { hub, a } = await hubWithGateways();
    const will = { topic: gatewayTopic('gw-a', 'status'), payload: Buffer.from('{"state":"offline"}'), qos: 1 as const, retain: true };
    const client = await bed.connect(hub, { username: 'gw-a', password: a, will });
    await client.publishAsync(gatewayTopic('gw-a', 'status'), JSON.stringify({ state: 'online', version: '1.2.3' }), { qos: 1, retain: true });
    await waitFor('online status', () => hub.registry.gateways.get('gw-a')?.status?.state === 'online');
    client.stream.destroy();
    const gateway = await waitFor('the will to mark gw-a offline', () => {
      const g = hub.registry.gateways.get('gw-a');
      return g?.status?.state === 'offline' ? g : undefined;
    });
    expect(gateway).toMatchObject({ online: false, status: { state: 'offline', version: '1.2.3' } });
  });

  it('refuses a connection whose will is on another gateway\'s topic', async () => {
    const { hub, a } = await hubWithGateways();
    const will = { topic: gatewayTopic('gw-b', 'status'), payload: Buffer.from('{"state":"offline"}'), qos: 1 as const, retain: true };
    await expect(bed.connect(hub, { username: 'gw-a', password: a, will })).rejects.toMatchObject({ code: 5 });
    const refused = await hub.metrics.refusedConnections.get();
    expect(refused.values.find((v) => v.labels.reason === 'will_topic')?.value).toBe(1);
  });

  it('drops a disabled gateway\'s connection at once and refuses it until enabled; a rotation withdraws its password', async () => {
    const { hub, a } = await hubWithGateways();
    const admin = (path: string) => fetch(`${hub.apiUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const client = await bed.connect(hub, { username: 'gw-a', password: a });
    await waitFor('gw-a online', () => hub.registry.gateways.get('gw-a')?.online);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    expect((await admin('/api/v1/gateways/gw-a/disable')).status).toBe(200);
    await closed;
    await waitFor('gw-a offline', () => hub.registry.gateways.get('gw-a')?.online === false);
    await expect(bed.connect(hub, { username: 'gw-a', password: a })).rejects.toMatchObject({ code: 5 });

    expect((await admin('/api/v1/gateways/gw-a/enable')).status).toBe(200);
    const again = await bed.connect(hub, { username: 'gw-a', password: a });
    const cut = new Promise<void>((resolve) => again.once('close', () => resolve()));
    expect((await admin('/api/v1/gateways/gw-a/rotate')).status).toBe(200);
    await cut;
    await expect(bed.connect(hub, { username: 'gw-a', password: a })).rejects.toMatchObject({ code: 4 });
    const refused = await hub.metrics.refusedConnections.get();
    expect(Object.fromEntries(refused.values.map((v) => [v.labels.reason, v.value]))).toEqual({ disabled: 1, wrong_password: 1 });
  });
});
