import { afterEach, describe, expect, it } from 'vitest';
import { connect } from 'mqtt';
import { decodeWire, encodeWire, gatewayTopic, type Reading } from '@afferent/device-profiles';
import { Batcher } from '../outbox/batcher.js';
import { Outbox } from '../outbox/outbox.js';
import { startBroker, type TestBroker } from '../test-support/mqtt-broker.js';
import { tempDirs } from '../test-support/temp-dir.js';
import { startTestHub, type TestHub } from '../test-support/test-hub.js';
import { waitFor } from '@afferent/testkit';
import { Uplink, type UplinkOptions } from './uplink.js';

const GW = 'gw-test';
const dirs = tempDirs();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  dirs.cleanup();
});

async function broker(port = 0): Promise<TestBroker> {
  const b = await startBroker(port);
  cleanups.push(() => b.close());
  return b;
}
async function hub(url: string): Promise<TestHub> {
  const h = await startTestHub(url);
  cleanups.push(() => h.close());
  return h;
}
function outbox(): Outbox {
  const o = new Outbox(dirs.make(), { maxBytes: 1 << 30, maxAgeMs: 86_400_000 });
  cleanups.push(() => o.close());
  return o;
}
function uplink(url: string, box: Outbox, extra: Partial<UplinkOptions> = {}) {
  const counts = { sent: 0, acked: 0, resent: 0, ignored: [] as string[] };
  const u = new Uplink({
    gatewayId: GW, url, username: GW, outbox: box, inflight: 4, ackTimeoutMs: 15_000,
    inventory: () => ({ t: Date.now(), devices: [{ id: 'meter-1', profile: 'eastron-sdm120', profileVersion: 1, protocol: 'modbus' }] }),
    status: () => ({ backlog: { ...box.stats() } }),
    reconnect: { minMs: 50, maxMs: 500 },
    counters: {
      sent: (n) => void (counts.sent += n),
      acked: (n) => void (counts.acked += n),
      resent: (n) => void (counts.resent += n),
      ignoredAck: (why) => void counts.ignored.push(why),
    },
    ...extra,
  });
  u.start();
  cleanups.push(() => u.stop());
  return { u, counts };
}

let counter = 0;
/** Readings with a unique `n` each, so loss and duplication can be counted. */
const nextReadings = (k: number): Reading[] => Array.from({ length: k }, () => ({ d: 'meter-1', t: 1_700_000_000_000 + counter, v: { n: counter++ } }));

/** Every distinct reading `n` the hub stored, and how often each arrived after dedupe by seq. */
function received(h: TestHub): number[] {
  return [...h.batches.values()].flatMap((b) => b.readings.map((r) => r.v.n as number)).sort((a, b) => a - b);
}

describe('uplink with a real broker and a test hub', () => {
  it('delivers every batch, deletes it after the ack, and never has more than `inflight` unacked', async () => {
    const b = await broker();
    const h = await hub(b.url);
    h.holdAcks = true;
    const box = outbox();
    const first = counter;
    for (let i = 0; i < 10; i++) box.append('telemetry', nextReadings(3));
    const { counts } = uplink(b.url, box);
    await waitFor('the first window', () => h.unacked.size === 4);
    h.holdAcks = false;
    h.ackHeld();
    await waitFor('the outbox to empty', () => box.stats().batches === 0);
    expect(h.maxUnacked).toBe(4);
    expect(received(h)).toEqual(Array.from({ length: 30 }, (_, i) => first + i));
    expect([...h.batches.values()].map((x) => x.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(counts).toMatchObject({ sent: 10, acked: 10, resent: 0 });
  });

  it('sends alarms ahead of the telemetry backlog, with low = the lowest unacked seq', async () => {
    const b = await broker();
    const box = outbox();
    box.append('telemetry', nextReadings(1));
    box.append('telemetry', nextReadings(1));
    box.append('alarms', [{ d: 'meter-1', alarm: 'overvoltage', t: 1, state: 'raised', severity: 'major' }]);
    const watcher = connect(b.url, { protocolVersion: 4 });
    cleanups.push(() => watcher.endAsync(true));
    const seen: string[] = [];
    watcher.on('message', (topic, payload) => {
      const kind = topic.split('/').at(-1) as 'telemetry' | 'alarms';
      const decoded = decodeWire(kind, payload);
      if (decoded.ok) seen.push(`${kind}:${decoded.value.seq}:low=${decoded.value.low}`);
    });
    await watcher.subscribeAsync([gatewayTopic(GW, 'telemetry'), gatewayTopic(GW, 'alarms')], { qos: 1 });
    uplink(b.url, box, { inflight: 1 });
    await waitFor('the first batch', () => seen.length >= 1);
    expect(seen[0]).toBe('alarms:3:low=1');
  });

  it('resends a batch the hub did not ack in time', async () => {
    const b = await broker();
    const h = await hub(b.url);
    h.ignoreNext = 1;
    const box = outbox();
    box.append('telemetry', nextReadings(2));
    const { counts } = uplink(b.url, box, { ackTimeoutMs: 200 });
    await waitFor('the resent batch to be acked', () => box.stats().batches === 0);
    expect(h.deliveries).toBe(2);
    expect(counts).toMatchObject({ sent: 1, resent: 1, acked: 1 });
  });

  it('ignores acks of another epoch and acks that break the contract', async () => {
    const b = await broker();
    const box = outbox();
    box.append('telemetry', nextReadings(1));
    const { counts } = uplink(b.url, box);
    const rogue = connect(b.url, { protocolVersion: 4 });
    cleanups.push(() => rogue.endAsync(true));
    await waitFor('the batch to go out', () => counts.sent === 1);
    await rogue.publishAsync(gatewayTopic(GW, 'ack'), encodeWire('ack', { epoch: 'someone-else', seqs: [1] }), { qos: 1 });
    await rogue.publishAsync(gatewayTopic(GW, 'ack'), '{"epoch": 5}', { qos: 1 });
    await waitFor('both acks to be ignored', () => counts.ignored.length === 2);
    expect(counts.ignored[0]).toBe('ack for epoch someone-else, not ours');
    expect(counts.ignored[1]).toMatch(/^ack: /);
    expect(box.stats().batches).toBe(1);
  });

  it('keeps everything while the broker is down and delivers it all when it is back: none lost, none twice', async () => {
    const first = await broker();
    const h = await hub(first.url);
    const box = outbox();
    // After the broker restarts, batches can reach it before the hub has resubscribed: those go again after ackTimeout.
    const { u } = uplink(first.url, box, { ackTimeoutMs: 500 });
    const batcher = new Batcher<Reading>(box, 'telemetry', { maxItems: 5, lingerMs: 10 }, { stored: () => u.notify() });
    cleanups.push(() => batcher.close());
    const start = counter;
    for (let i = 0; i < 23; i++) batcher.add(nextReadings(1)[0]!);
    await waitFor('the first readings', () => box.stats().batches === 0 && received(h).length === 23);

    const { port } = first;
    await first.close();
    await waitFor('the uplink to notice', () => !u.connected);
    for (let i = 0; i < 57; i++) batcher.add(nextReadings(1)[0]!);
    batcher.flush();
    expect(box.stats()).toMatchObject({ readings: 57 });

    await broker(port);
    await waitFor('the backlog to drain', () => box.stats().batches === 0, 20_000);
    const all = received(h);
    expect(all).toEqual(Array.from({ length: 80 }, (_, i) => start + i));
  });

  it('publishes inventory and online status retained, and offline when it stops', async () => {
    const b = await broker();
    const box = outbox();
    const { u } = uplink(b.url, box);
    await waitFor('the uplink', () => u.connected);
    const watcher = connect(b.url, { protocolVersion: 4 });
    cleanups.push(() => watcher.endAsync(true));
    const retained = new Map<string, unknown>();
    watcher.on('message', (topic, payload) => retained.set(topic.split('/').at(-1)!, JSON.parse(payload.toString())));
    await watcher.subscribeAsync([gatewayTopic(GW, 'status'), gatewayTopic(GW, 'inventory')], { qos: 1 });
    await waitFor('the retained messages', () => retained.size === 2);
    expect(retained.get('inventory')).toMatchObject({ devices: [{ id: 'meter-1', profile: 'eastron-sdm120', profileVersion: 1, protocol: 'modbus' }] });
    expect(retained.get('status')).toMatchObject({ state: 'online', backlog: { batches: 0 } });
    await u.stop();
    await waitFor('offline status', () => (retained.get('status') as { state: string }).state === 'offline');
  });
});
