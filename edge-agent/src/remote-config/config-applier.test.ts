import { statSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProfileLibrary, type DesiredConfig, type Reading } from '@afferent/device-profiles';
import { startModbusSimulator, type ModbusSimulator } from '@afferent/simulators';
import { AlarmEngine } from '../alarms/alarm-engine.js';
import { parseAgentConfig } from '../config/agent-config.js';
import { DeviceObserver } from '../device-observer.js';
import { DeviceSet } from '../devices/device-set.js';
import { Outbox } from '../outbox/outbox.js';
import { AgentMetrics } from '../status/agent-metrics.js';
import { tempDirs } from '../test-support/temp-dir.js';
import { waitFor } from '@afferent/testkit';
import { appliedConfigPath } from './applied-config-store.js';
import { ConfigApplier } from './config-applier.js';

const library = loadProfileLibrary().profiles;
const log = pino({ level: 'silent' });
const dirs = tempDirs();
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  dirs.cleanup();
});

/** A Modbus line with a meter (unit 1) and two sensors (units 2 and 3). */
async function field(): Promise<ModbusSimulator> {
  const sim = await startModbusSimulator({
    devices: [
      { unitId: 1, profile: library.get('eastron-sdm120')! },
      { unitId: 2, profile: library.get('xy-md02')! },
      { unitId: 3, profile: library.get('xy-md02')! },
    ],
  });
  cleanups.push(() => sim.close());
  sim.unit(1).set('voltage', 256);
  return sim;
}

const device = (id: string, profile: string, unitId: number, sim: ModbusSimulator, extra: object = {}) =>
  ({ id, profile, interval: '50ms', connection: { url: sim.url, unitId }, ...extra });

/** The agent's configuration file, with these devices. */
function localConfig(dir: string, devices: object[]) {
  return parseAgentConfig(JSON.stringify({ gateway: { id: 'gw-1' }, hub: { url: 'mqtt://127.0.0.1:1', password: 'x' }, dataDir: 'data', devices }), 'agent.yaml', dir);
}

/** What the agent wires around the applier: a real outbox, alarm engine, device set and its readings. */
function harness(dir: string) {
  const outbox = new Outbox(join(dir, 'data'), { maxBytes: 1 << 30, maxAgeMs: 86_400_000 });
  const alarms = new AlarmEngine({ targets: [], outbox, stored: () => undefined, log });
  const observer = new DeviceObserver(new AgentMetrics({ outbox: () => outbox.stats(), uplinkConnected: () => false, activeAlarms: () => 0 }), log);
  const readings: Reading[] = [];
  const devices = new DeviceSet({ dataDir: join(dir, 'data'), observer, alarms, emit: (r) => readings.push(r), log });
  let inventories = 0;
  const applier = new ConfigApplier({ devices, dataDir: join(dir, 'data'), baseDir: dir, log, devicesChanged: () => inventories++ });
  cleanups.push(() => outbox.close(), () => devices.close());
  const heard = (id: string) => waitFor(`readings of ${id}`, () => readings.some((r) => r.d === id));
  return { outbox, alarms, observer, readings, devices, applier, heard, inventories: () => inventories };
}

const pushed = (version: number, devices: object[]): DesiredConfig =>
  ({ version, devices, profiles: [library.get('eastron-sdm120')!, library.get('xy-md02')!] }) as DesiredConfig;

describe('applying a configuration', () => {
  it('adds, removes and changes devices, leaves the others running as they are, and never touches the outbox', async () => {
    const sim = await field();
    const dir = dirs.make();
    const h = harness(dir);
    // The simulator reads 256 V: with no `for`, the meter's overvoltage alarm is active from its first read.
    const meter = device('meter-1', 'eastron-sdm120', 1, sim, { alarms: { overvoltage: { for: '0s' } } });
    const changes = await h.applier.start(localConfig(dir, [meter, device('th-1', 'xy-md02', 2, sim), device('th-old', 'xy-md02', 3, sim)]));
    expect(changes.added).toEqual(['meter-1', 'th-1', 'th-old']);
    await Promise.all(['meter-1', 'th-1', 'th-old'].map(h.heard));
    // An active alarm on the meter, and a backlog in the outbox, before the push.
    const since = await waitFor('the meter\'s alarm', () => h.alarms.active()['meter-1']?.overvoltage?.since);
    const backlog = [1, 2, 3].map(() => h.outbox.append('telemetry', [{ d: 'x', t: 1, v: { a: 1 } }]));
    const meterSession = h.devices.running.get('meter-1')!.session;
    const sensorSession = h.devices.running.get('th-1')!.session;

    const state = await h.applier.applyPushed(pushed(1, [meter, device('th-1', 'xy-md02', 2, sim, { interval: '80ms' }), device('th-2', 'xy-md02', 3, sim)]));
    expect(state).toMatchObject({ version: 1, state: 'applied' });
    expect(h.applier.version).toBe(1);
    expect([...h.devices.running.keys()].sort()).toEqual(['meter-1', 'th-1', 'th-2']);
    expect(h.devices.running.get('meter-1')!.session).toBe(meterSession);
    expect(h.devices.running.get('th-1')!.session).not.toBe(sensorSession);
    expect(h.alarms.active()['meter-1']?.overvoltage?.since).toBe(since);
    expect(Object.keys(h.observer.snapshot()).sort()).toEqual(['meter-1', 'th-1', 'th-2']);
    for (const seq of backlog) expect(h.outbox.batch(seq)).toBeDefined();
    expect(h.inventories()).toBe(1);
    expect(h.devices.inventory().devices.map((d) => d.id)).toEqual(['meter-1', 'th-1', 'th-2']);
    await h.heard('th-2');
    expect(statSync(appliedConfigPath(join(dir, 'data'))).mode & 0o777).toBe(0o600);
  });

  it('refuses a config that fails any check, naming device and field, and keeps running the current one', async () => {
    const sim = await field();
    const dir = dirs.make();
    const h = harness(dir);
    await h.applier.start(localConfig(dir, [device('th-1', 'xy-md02', 2, sim)]));
    const bad = pushed(4, [device('th-1', 'xy-md02', 2, sim), device('th-2', 'xy-md02', 999, sim), device('x', 'acme-unknown', 1, sim)]);
    const state = await h.applier.applyPushed(bad);
    expect(state).toMatchObject({ version: 4, state: 'rejected' });
    expect(state.error).toBe('2 problems: devices[1].connection.unitId: expected an integer 0–255, got 999; '
      + 'devices[2].profile: unknown profile "acme-unknown"; known: eastron-sdm120, xy-md02');
    expect(h.applier.version).toBe(0);
    expect([...h.devices.running.keys()]).toEqual(['th-1']);
    expect(h.inventories()).toBe(0);
    // A pushed profile must pass the profile checks too.
    const brokenProfile = { ...pushed(5, []), profiles: [{ ...library.get('xy-md02')!, points: [] }] } as DesiredConfig;
    expect((await h.applier.applyPushed(brokenProfile)).error).toMatch(/^profiles\[0\]\.points: /);
  });

  it('runs the last applied config again after a restart, whatever the configuration file says', async () => {
    const sim = await field();
    const dir = dirs.make();
    const first = harness(dir);
    const local = localConfig(dir, [device('th-1', 'xy-md02', 2, sim)]);
    await first.applier.start(local);
    await first.applier.applyPushed(pushed(3, [device('th-2', 'xy-md02', 3, sim)]));
    await first.devices.close();
    first.outbox.close();

    const second = harness(dir);
    await second.applier.start(local);
    expect(second.applier.version).toBe(3);
    expect([...second.devices.running.keys()]).toEqual(['th-2']);
    // The file's devices (SIGHUP) are not applied while a pushed config is in force.
    expect(await second.applier.applyLocal(local)).toBeUndefined();
    expect([...second.devices.running.keys()]).toEqual(['th-2']);
    await second.heard('th-2');
  });

  it('applies the configuration file again on reload when nothing was pushed', async () => {
    const sim = await field();
    const dir = dirs.make();
    const h = harness(dir);
    await h.applier.start(localConfig(dir, [device('th-1', 'xy-md02', 2, sim)]));
    const changes = await h.applier.applyLocal(localConfig(dir, [device('th-1', 'xy-md02', 2, sim), { ...device('th-2', 'xy-md02', 3, sim), enabled: false }]));
    expect(changes).toMatchObject({ added: ['th-2'], unchanged: ['th-1'], removed: [], changed: [] });
    expect([...h.devices.running.keys()]).toEqual(['th-1']);
    expect(h.devices.unavailable.get('th-2')).toBe('disabled in the gateway configuration');
    expect(h.devices.inventory().devices.map((d) => d.id)).toEqual(['th-1']);
  });
});
