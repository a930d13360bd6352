import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeWire, encodeWire, gatewayTopic, loadProfileLibrary, parseProfile, type Command, type CommandResult } from '@afferent/device-profiles';
import { startModbusSimulator, type ModbusSimulator } from '@afferent/simulators';
import { startAgent, type RunningAgent } from '../agent.js';
import { loadAgentConfig } from '../config/agent-config.js';
import { startBroker, type TestBroker } from '../test-support/mqtt-broker.js';
import { tempDirs } from '../test-support/temp-dir.js';
import { waitFor } from '@afferent/testkit';

const GW = 'gw-c';
const library = loadProfileLibrary();
const dirs = tempDirs();
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  dirs.cleanup();
});

async function broker(port = 0): Promise<TestBroker> {
  const b = await startBroker(port);
  cleanups.push(() => b.close());
  return b;
}

/** A controller whose run and alarm-reset flags are bits of one holding register: writing one must keep the other. */
const BITS_PROFILE = `profile: test-register-bits
version: 1
protocol: modbus
points:
  - { name: running, type: bool, access: rw, modbus: { table: holding, address: 40, bit: 0 } }
  - { name: reset, type: bool, access: rw, modbus: { table: holding, address: 40, bit: 3 } }
`;

/** Three units behind one port: a temperature sensor with writable corrections, an IO module with coils, register bits. */
async function field(): Promise<ModbusSimulator> {
  const sim = await startModbusSimulator({
    devices: [
      { unitId: 1, profile: library.profiles.get('xy-md02')! },
      { unitId: 2, profile: library.profiles.get('waveshare-modbus-rtu-io-8ch')! },
      { unitId: 3, profile: parseProfile(BITS_PROFILE, 'bits.yaml') },
    ],
  });
  cleanups.push(() => sim.close());
  return sim;
}

async function agent(hubUrl: string, sim: ModbusSimulator, dataDir = join(dirs.make(), 'data')): Promise<RunningAgent & { dataDir: string }> {
  const dir = dirs.make();
  mkdirSync(join(dir, 'profiles'));
  writeFileSync(join(dir, 'profiles', 'bits.yaml'), BITS_PROFILE);
  writeFileSync(join(dir, 'agent.yaml'), `gateway: { id: ${GW} }
hub: { url: "${hubUrl}", password: unused }
dataDir: ${dataDir}
profileDirs: [profiles]
status: { port: 0 }
logLevel: silent
devices:
  - { id: plc-1, profile: test-register-bits, interval: 200ms, connection: { url: "${sim.url}", unitId: 3 } }
  - { id: th-1, profile: xy-md02, interval: 200ms, connection: { url: "${sim.url}", unitId: 1 } }
  - { id: io-1, profile: waveshare-modbus-rtu-io-8ch, interval: 200ms, connection: { url: "${sim.url}", unitId: 2 } }
  - { id: gone-1, profile: xy-md02, interval: 200ms, connection: { url: "tcp://127.0.0.1:1", unitId: 1, timeout: 100ms } }
  - { id: off-1, profile: xy-md02, enabled: false, connection: { url: "${sim.url}", unitId: 1 } }
`);
  const running = await startAgent(loadAgentConfig(join(dir, 'agent.yaml')));
  let stopped = false;
  cleanups.push(() => (stopped ? undefined : running.stop()));
  return { ...running, dataDir, stop: async () => { stopped = true; await running.stop(); } };
}

/** The hub's side of the command topics, played by a plain MQTT client. */
async function hubSide(url: string): Promise<{ client: MqttClient; results: CommandResult[]; send(command: Command): Promise<void>; of(id: string): string[] }> {
  const client = await connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0 });
  cleanups.push(() => client.endAsync(true));
  const results: CommandResult[] = [];
  client.on('message', (_topic, payload) => {
    const decoded = decodeWire('cmd-result', payload);
    if (!decoded.ok) throw new Error(decoded.error);
    results.push(decoded.value);
  });
  await client.subscribeAsync(gatewayTopic(GW, 'cmd-result'), { qos: 1 });
  return {
    client,
    results,
    send: async (command) => void (await client.publishAsync(gatewayTopic(GW, 'cmd'), encodeWire('cmd', command), { qos: 1 })),
    of: (id) => results.filter((r) => r.id === id).map((r) => r.status),
  };
}

let n = 0;
const command = (device: string, write: Command['write'], extra: Partial<Command> = {}): Command =>
  ({ id: `cmd-${++n}`, device, write, expires: Date.now() + 10_000, readback: true, ...extra });
const final = (hub: Awaited<ReturnType<typeof hubSide>>, id: string) =>
  waitFor(`the outcome of ${id}`, () => hub.results.find((r) => r.id === id && r.status !== 'delivered'));

/** The agent is subscribed once it has said it is online. */
async function online(b: TestBroker): Promise<void> {
  const watcher = await connectAsync(b.url, { protocolVersion: 4, reconnectPeriod: 0 });
  const states: string[] = [];
  watcher.on('message', (_t, payload) => states.push(JSON.parse(payload.toString()).state));
  await watcher.subscribeAsync(gatewayTopic(GW, 'status'), { qos: 1 });
  await waitFor('the agent online', () => states.at(-1) === 'online');
  await watcher.endAsync(true);
}

describe('commands at the edge', () => {
  it('answers delivered, writes through the driver, reads back and reports the values', async () => {
    const b = await broker();
    const sim = await field();
    await agent(b.url, sim);
    const hub = await hubSide(b.url);
    await online(b);
    const write = command('th-1', { temperature_correction: -1.5, baud_rate: '19200' });
    await hub.send(write);
    expect(await final(hub, write.id)).toMatchObject({ status: 'succeeded', readback: { temperature_correction: -1.5, baud_rate: '19200' } });
    expect(hub.of(write.id)).toEqual(['delivered', 'succeeded']);
    expect(sim.unit(1).writeLog.map((w) => [w.point, w.value])).toEqual([['temperature_correction', -1.5], ['baud_rate', '19200']]);

    const coils = command('io-1', { do1: true, do2: false, do3: true }, { readback: false });
    await hub.send(coils);
    expect(await final(hub, coils.id)).toEqual({ id: coils.id, status: 'succeeded', t: expect.any(Number) });
    expect(sim.unit(2).get('do3')).toBe(true);

    // A bit in a register: read, change that bit, write; the other bits stay.
    sim.unit(3).set('reset', true);
    const bit = command('plc-1', { running: true });
    await hub.send(bit);
    expect(await final(hub, bit.id)).toMatchObject({ status: 'succeeded', readback: { running: true } });
    expect([sim.unit(3).get('running'), sim.unit(3).get('reset')]).toEqual([true, true]);
  });

  it('never runs a command id twice: not on a redelivery, not after a restart; the outcome is sent again', async () => {
    const b = await broker();
    const sim = await field();
    const first = await agent(b.url, sim);
    const hub = await hubSide(b.url);
    await online(b);
    const write = command('th-1', { humidity_correction: 2.5 });
    await hub.send(write);
    await hub.send(write);
    await final(hub, write.id);
    await hub.send(write);
    await waitFor('the outcome sent again', () => hub.of(write.id).filter((s) => s === 'succeeded').length >= 2);
    expect(sim.unit(1).writes).toBe(1);

    await first.stop();
    await agent(b.url, sim, first.dataDir);
    await online(b);
    const before = hub.results.length;
    await hub.send(write);
    await waitFor('an answer after the restart', () => hub.results.length > before);
    expect(hub.results.at(-1)).toMatchObject({ id: write.id, status: 'succeeded' });
    expect(sim.unit(1).writes).toBe(1);
  });

  it('refuses what its own profile check refuses, devices it does not run, and commands that arrive expired: nothing is written', async () => {
    const b = await broker();
    const sim = await field();
    await agent(b.url, sim);
    const hub = await hubSide(b.url);
    await online(b);
    const cases: [Command, string, string][] = [
      [command('th-1', { temperature_correction: 50 }), 'rejected', 'point temperature_correction: 50 is above the maximum 10'],
      [command('th-1', { temperature: 20 }), 'rejected', 'point temperature: read-only (access r)'],
      [command('nope-1', { x: 1 }), 'rejected', 'this gateway does not run a device nope-1'],
      [command('off-1', { humidity_correction: 1 }), 'rejected', 'device off-1 does not run: disabled in the gateway configuration'],
      [command('th-1', { humidity_correction: 1 }, { expires: Date.now() - 1000 }), 'expired', 'after it expired; not run'],
    ];
    for (const [cmd] of cases) await hub.send(cmd);
    for (const [cmd, status, why] of cases) expect(await final(hub, cmd.id), JSON.stringify(cmd.write)).toMatchObject({ status, error: expect.stringContaining(why) });
    expect(sim.unit(1).writes).toBe(0);
  });

  it('reports the device\'s own error and code; retries an unreachable device until expiry, then says so', async () => {
    const b = await broker();
    const sim = await field();
    await agent(b.url, sim);
    const hub = await hubSide(b.url);
    await online(b);
    sim.setFault({ kind: 'exception', code: 2 }, 1);
    const refused = command('th-1', { humidity_correction: 1 });
    await hub.send(refused);
    const outcome = await final(hub, refused.id);
    expect(outcome).toMatchObject({ status: 'failed', code: 2 });
    expect(outcome.error).toMatch(/^th-1 \(tcp:\/\/127\.0\.0\.1:\d+ unit 1\) write humidity_correction: Modbus exception 2 \(illegal data address\)$/);

    const unreachable = command('gone-1', { humidity_correction: 1 }, { expires: Date.now() + 800 });
    await hub.send(unreachable);
    expect((await final(hub, unreachable.id)).error).toMatch(/^device unreachable until the command expired, \d+ attempts to write: /);
  });

  it('runs one command at a time per device, in order, while other devices go on', async () => {
    const b = await broker();
    const sim = await field();
    await agent(b.url, sim);
    const hub = await hubSide(b.url);
    await online(b);
    // gone-1 is unreachable: its command holds only its own queue, until it expires.
    const stuck = command('gone-1', { humidity_correction: 1 }, { expires: Date.now() + 3000 });
    await hub.send(stuck);
    const sequence = [1, 2, 3].map((v) => command('th-1', { humidity_correction: v }));
    for (const cmd of sequence) await hub.send(cmd);
    for (const cmd of sequence) await final(hub, cmd.id);
    expect(hub.of(stuck.id)).toEqual(['delivered']);
    expect(sim.unit(1).writeLog.map((w) => w.value)).toEqual([1, 2, 3]);
    expect((await final(hub, stuck.id)).status).toBe('failed');
  });

  it('keeps an outcome that is ready while the link is down, and sends it when the link is back', async () => {
    const b = await broker();
    const sim = await field();
    await agent(b.url, sim);
    let hub = await hubSide(b.url);
    await online(b);
    sim.setFault({ kind: 'delay', ms: 400 }, 1);
    const write = command('th-1', { humidity_correction: 3 }, { readback: false });
    await hub.send(write);
    await waitFor('delivered', () => hub.of(write.id).includes('delivered'));
    const { port } = b;
    await b.close();
    await waitFor('the write, with the link down', () => sim.unit(1).writes === 1);
    // The agent reconnects a second or more after losing the broker: the hub's side is back before it.
    await broker(port);
    hub = await hubSide(`mqtt://127.0.0.1:${port}`);
    expect((await final(hub, write.id)).status).toBe('succeeded');
  });
});
