import { afterEach, describe, expect, it } from 'vitest';
import { POINT_CODECS, isReadable, loadProfileLibrary, parseProfile, type DeviceProfile, type PointValue } from '@afferent/device-profiles';
import { SimulatedDevice, startOpcuaSimulator, type OpcuaSimulator, type OpcuaSimulatorOptions } from '@afferent/simulators';
import { tempDirs } from '../../test-support/temp-dir.js';
import { waitFor } from '@afferent/testkit';
import type { DeviceSession, DriverError, PushEvents, RawReadResult } from '../driver.js';
import { createOpcuaDriver, type OpcuaDriver } from './opcua-driver.js';

const BOILER = loadProfileLibrary().profiles.get('opcua-boiler')!;
const point = (profile: DeviceProfile, name: string) => profile.points.find((p) => p.name === name)!;

const dirs = tempDirs('afferent-opcua-');
const simulators: OpcuaSimulator[] = [];
const drivers: OpcuaDriver[] = [];
afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close()));
  await Promise.all(simulators.splice(0).map((s) => s.close()));
  dirs.cleanup();
});

async function simulate(options: Partial<OpcuaSimulatorOptions> = {}): Promise<OpcuaSimulator> {
  const sim = await startOpcuaSimulator({ pkiDir: dirs.make(), devices: [{ id: 'boiler-1', profile: BOILER }], ...options });
  simulators.push(sim);
  return sim;
}

function driver(dataDir = dirs.make()): OpcuaDriver {
  const made = createOpcuaDriver({ dataDir });
  drivers.push(made);
  return made;
}

function open(d: OpcuaDriver, url: string, connection: Record<string, unknown> = {}, profile = BOILER, id = 'boiler-1'): DeviceSession {
  return d.open({ profile, instance: { id, profile: profile.profile, interval: '200ms', connection: { url, timeout: '2s', ...connection } } });
}

function decode(profile: DeviceProfile, results: RawReadResult): Record<string, PointValue | string> {
  const values: Record<string, PointValue | string> = {};
  for (const [name, result] of results) {
    values[name] = 'raw' in result ? POINT_CODECS.opcua.decode(profile, point(profile, name), result.raw) : `error ${result.error.kind} ${result.error.code ?? ''}`.trim();
  }
  return values;
}

/** Subscribe and keep what arrives, decoded, plus the push events. */
async function watch(session: DeviceSession, profile: DeviceProfile, points = profile.points.filter((p) => session.pushes!(p))) {
  const seen: Record<string, PointValue[]> = {};
  const events = { alive: 0, lost: [] as DriverError[], failed: {} as Record<string, DriverError> };
  const handlers: PushEvents = {
    alive: () => events.alive++,
    lost: (error) => events.lost.push(error),
    pointFailed: (name, error) => (events.failed[name] = error),
  };
  const stop = await session.subscribe!(points, (name, raw) => (seen[name] ??= []).push(POINT_CODECS.opcua.decode(profile, point(profile, name), raw)), handlers);
  return { seen, events, stop };
}

const errorOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as DriverError);

describe('OPC UA driver against the simulator', () => {
  it('reads every point of the boiler profile, nsu= node ids resolved through the namespace array', async () => {
    const sim = await simulate();
    const device = sim.device('boiler-1');
    const values = { drum_level: 512.5, feedwater_flow: 12.25, steam_flow: 11.5, drum_pressure: 18.75, steam_temperature: 211.5, burner_on: true, operating_hours: 4321, level_setpoint: 500, mode: 'automatic' };
    for (const [name, value] of Object.entries(values)) device.set(name, value);
    const session = open(driver(), sim.endpointUrl);
    expect(decode(BOILER, await session.read(BOILER.points.filter(isReadable)))).toEqual(values);
  });

  it('subscribes: many points share one subscription, and changes arrive', async () => {
    const sim = await simulate();
    const d = driver();
    const session = open(d, sim.endpointUrl);
    sim.device().set('drum_level', 480);
    const { seen, events } = await watch(session, BOILER);
    expect(d.subscriptionStats()).toEqual({ subscriptions: 1, items: 8 });
    await waitFor('the first value', () => seen.drum_level?.includes(480));
    sim.device().set('drum_level', 495.5);
    await waitFor('the change', () => seen.drum_level?.includes(495.5));
    await waitFor('keep-alives or notifications', () => events.alive > 1);
    expect(seen.operating_hours).toBeUndefined();
    expect(session.pushes!(point(BOILER, 'operating_hours'))).toBe(false);
  });

  it('splits items over several subscriptions when the server limit requires, creating them in chunks', async () => {
    const sim = await simulate({ limits: { maxMonitoredItemsPerSubscription: 3, maxMonitoredItemsPerCall: 2 } });
    const d = driver();
    const { seen } = await watch(open(d, sim.endpointUrl), BOILER);
    expect(d.subscriptionStats()).toEqual({ subscriptions: 3, items: 8 });
    sim.device().set('mode', 'manual');
    await waitFor('a value from the last subscription', () => seen.mode?.includes('manual'));
  });

  it('fills the open subscription before opening another, across the devices of one endpoint', async () => {
    const sim = await simulate({ limits: { maxMonitoredItemsPerSubscription: 5 } });
    const d = driver();
    const session = open(d, sim.endpointUrl);
    const pushed = BOILER.points.filter((p) => session.pushes!(p));
    await watch(session, BOILER, pushed.slice(0, 4));
    const { seen, events } = await watch(open(d, sim.endpointUrl, {}, BOILER, 'boiler-again'), BOILER, pushed.slice(4));
    expect(d.subscriptionStats()).toEqual({ subscriptions: 2, items: 8 });
    expect(events.failed).toEqual({});
    sim.device().set('level_setpoint', 650);
    await waitFor('a value on the second subscription', () => seen.level_setpoint?.includes(650));
  });

  it('learns from BadTooManyMonitoredItems: another subscription, and a per-point error when the server takes no more at all', async () => {
    // A server-wide item limit that ServerCapabilities does not announce (the simulator passes it to node-opcua as is).
    const sim = await simulate({ limits: { maxMonitoredItems: 5 } as OpcuaSimulatorOptions['limits'] });
    const d = driver();
    const session = open(d, sim.endpointUrl);
    const { seen, events } = await watch(session, BOILER);
    expect(d.subscriptionStats()).toEqual({ subscriptions: 1, items: 5 });
    expect(Object.values(events.failed).map((e) => e.code)).toEqual(['BadTooManyMonitoredItems', 'BadTooManyMonitoredItems', 'BadTooManyMonitoredItems']);
    sim.device().set('drum_level', 612);
    await waitFor('the items that were taken to deliver', () => seen.drum_level?.includes(612));
  });

  it("writes a rw point coerced to the node's DataType and reads it back; Bad statuses become DriverErrors", async () => {
    // The server's setpoint is a Float node; the agent's profile calls it float64.
    const serverProfile = parseProfile(`profile: float-plc\nversion: 1\nprotocol: opcua\npoints:
  - { name: setpoint, type: float32, access: rw, min: 0, max: 100, opcua: { nodeId: "nsu=urn:test:plc;s=SetPoint" } }
  - { name: count, type: uint16, access: rw, opcua: { nodeId: "nsu=urn:test:plc;s=Count" } }
  - { name: level, type: float64, opcua: { nodeId: "nsu=urn:test:plc;s=Level" } }\n`, 'float-plc.yaml');
    const agentProfile = parseProfile(`profile: float-plc\nversion: 1\nprotocol: opcua\npoints:
  - { name: setpoint, type: float64, access: rw, opcua: { nodeId: "nsu=urn:test:plc;s=SetPoint" } }
  - { name: count, type: int32, access: rw, opcua: { nodeId: "nsu=urn:test:plc;s=Count" } }
  - { name: level, type: float64, access: rw, opcua: { nodeId: "nsu=urn:test:plc;s=Level" } }
  - { name: ghost, type: float64, opcua: { nodeId: "nsu=urn:test:plc;s=Ghost" } }\n`, 'float-plc.yaml');
    const sim = await simulate({ devices: [{ id: 'plc', profile: serverProfile }] });
    const session = open(driver(), sim.endpointUrl, {}, agentProfile, 'plc');
    const write = (name: string, value: PointValue) => session.write([{ point: point(agentProfile, name), raw: POINT_CODECS.opcua.encode(agentProfile, point(agentProfile, name), value) }]);
    await write('setpoint', 42.5);
    await write('count', 7);
    expect(sim.device().get('setpoint')).toBe(42.5);
    expect(decode(agentProfile, await session.read(agentProfile.points))).toEqual({ setpoint: 42.5, count: 7, level: 0, ghost: 'error device BadNodeIdUnknown' });
    expect(await errorOf(write('setpoint', 150))).toMatchObject({ kind: 'device', code: 'BadOutOfRange' });
    expect(await errorOf(write('level', 1))).toMatchObject({ kind: 'device', code: 'BadNotWritable' });
    expect(await errorOf(write('count', 70_000))).toMatchObject({ kind: 'device', code: 'BadOutOfRange' });
    const { events } = await watch(session, agentProfile, agentProfile.points);
    expect(events.failed.ghost).toMatchObject({ code: 'BadNodeIdUnknown' });
  });

  it('heals after the server restarts on the same port: reads work and the subscription delivers again, same session owner', async () => {
    const device = new SimulatedDevice({ profile: BOILER });
    const pkiDir = dirs.make();
    device.set('drum_level', 500);
    const first = await simulate({ pkiDir, devices: [{ device }] });
    const d = driver();
    const session = open(d, first.endpointUrl);
    const { seen, events } = await watch(session, BOILER);
    await waitFor('the first value', () => seen.drum_level?.includes(500));

    await first.close();
    simulators.splice(simulators.indexOf(first), 1);
    await waitFor('the subscription reported lost', () => events.lost.length > 0);
    expect(await errorOf(session.read([point(BOILER, 'operating_hours')]))).toMatchObject({ kind: 'unreachable' });
    await simulate({ pkiDir, port: first.port, devices: [{ device }] });
    device.set('drum_level', 505.5);
    await waitFor('the subscription after the restart', () => seen.drum_level?.includes(505.5), 30_000);
    expect(d.subscriptionStats()).toEqual({ subscriptions: 1, items: 8 });
    device.set('operating_hours', 77);
    expect(decode(BOILER, await session.read([point(BOILER, 'operating_hours')]))).toEqual({ operating_hours: 77 });
  });

  it('faults give DriverErrors, and a silent server does not stall a device on another', async () => {
    const bad = await simulate();
    const good = await simulate();
    const d = driver();
    const badSession = open(d, bad.endpointUrl, { timeout: '1500ms' });
    const goodSession = open(d, good.endpointUrl, { timeout: '1500ms' }, BOILER, 'boiler-2');
    const hours = [point(BOILER, 'operating_hours')];
    bad.setFault({ kind: 'garbage' });
    const garbled = await badSession.read(hours);
    expect(decode(BOILER, garbled).operating_hours).toMatch(/^error (protocol|device) Bad/);
    bad.setFault({ kind: 'no-answer' });
    let settled = false;
    const silent = errorOf(badSession.read(hours)).finally(() => (settled = true));
    let reads = 0;
    while (!settled) {
      await goodSession.read(hours);
      reads++;
    }
    expect(await silent).toMatchObject({ kind: 'timeout' });
    expect(reads).toBeGreaterThan(5);
    bad.setFault(undefined);
    await waitFor('reads again', async () => 'raw' in (await badSession.read(hours)).get('operating_hours')!);
  });
});
