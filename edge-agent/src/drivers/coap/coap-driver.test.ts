import { afterEach, describe, expect, it } from 'vitest';
import { POINT_CODECS, isReadable, loadProfileLibrary, type DeviceProfile, type PointValue } from '@afferent/device-profiles';
import { SimulatedDevice, startCoapSimulator, type CoapSimulator } from '@afferent/simulators';
import { waitFor } from '@afferent/testkit';
import type { DeviceSession, Driver, DriverError, RawReadResult } from '../driver.js';
import { createCoapDriver } from './coap-driver.js';

const ENV = loadProfileLibrary().profiles.get('coap-env-senml')!;
const point = (name: string) => ENV.points.find((p) => p.name === name)!;

const simulators: CoapSimulator[] = [];
const drivers: Driver[] = [];
afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close()));
  await Promise.all(simulators.splice(0).map((s) => s.close()));
});

async function simulate(port = 0, device?: SimulatedDevice): Promise<CoapSimulator> {
  const sim = await startCoapSimulator({ port, devices: [device ? { id: 'env-1', device } : { id: 'env-1', profile: ENV }] });
  simulators.push(sim);
  return sim;
}

function open(sim: CoapSimulator, instance: Record<string, unknown> = {}, driver?: Driver): DeviceSession {
  if (!driver) drivers.push((driver = createCoapDriver()));
  const { connection, ...rest } = instance;
  return driver.open({ profile: ENV, instance: { id: 'env-1', profile: ENV.profile, connection: { url: sim.url, timeout: '1s', ...(connection as object) }, ...rest } });
}

function decode(profile: DeviceProfile, results: RawReadResult): Record<string, PointValue | string> {
  const values: Record<string, PointValue | string> = {};
  for (const [name, result] of results) {
    values[name] = 'raw' in result ? POINT_CODECS.coap.decode(profile, profile.points.find((p) => p.name === name)!, result.raw) : `error ${result.error.kind} ${result.error.code ?? ''}`.trim();
  }
  return values;
}

const errorOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as DriverError);
const write = (session: DeviceSession, name: string, value: PointValue) =>
  session.write([{ point: point(name), raw: POINT_CODECS.coap.encode(ENV, point(name), value) }]);

describe('CoAP driver against the simulator', () => {
  it('reads every point, one GET per resource, with the Content-Format the server declared', async () => {
    const sim = await simulate();
    const values = { temperature: 21.25, humidity: 48.5, pressure: 1013.5, battery: 2875, led: true };
    for (const [name, value] of Object.entries(values)) sim.device().set(name, value);
    const session = open(sim);
    expect(decode(ENV, await session.read(ENV.points.filter(isReadable)))).toEqual(values);
    // /env, /bat and /led: three resources for five points.
    expect(sim.device().reads).toBe(3);
  });

  it('observes the observable resource and delivers every change; polls the others', async () => {
    const sim = await simulate();
    const session = open(sim);
    expect(ENV.points.filter((p) => session.pushes!(p)).map((p) => p.name)).toEqual(['temperature', 'humidity', 'pressure', 'led']);
    const seen: Record<string, PointValue[]> = {};
    let alive = 0;
    sim.device().set('temperature', 20);
    await session.subscribe!(ENV.points.filter((p) => session.pushes!(p)), (name, raw) => (seen[name] ??= []).push(POINT_CODECS.coap.decode(ENV, point(name), raw)), {
      alive: () => alive++, lost: () => undefined, pointFailed: () => undefined,
    });
    // /env and /led: one observation per resource.
    expect(sim.observerCount).toBe(2);
    expect(seen.temperature).toEqual([20]);
    sim.device().set('temperature', 22.5);
    sim.device().set('humidity', 55);
    await waitFor('notifications', () => seen.temperature?.includes(22.5) && seen.humidity?.includes(55));
    expect(alive).toBeGreaterThan(1);
  });

  it('writes with PUT and reads back; a refused write is a DriverError with the response code and diagnostic', async () => {
    const sim = await simulate();
    const session = open(sim);
    await write(session, 'led', true);
    expect(sim.device().get('led')).toBe(true);
    expect(decode(ENV, await session.read([point('led')]))).toEqual({ led: true });
    const refused = await errorOf(session.write([{ point: point('led'), raw: { payload: Buffer.from('maybe'), format: 'text' } }]));
    expect(refused).toMatchObject({ kind: 'device', code: '4.00' });
    expect(refused?.message).toMatch(/^env-1 \(coap:\/\/127\.0\.0\.1:\d+\) write led \(PUT \/led\): 4\.00: point led: a bool cannot be "maybe"$/);
  });

  it('re-registers its observation after the server restarts on the same port, without a new session', async () => {
    const device = new SimulatedDevice({ profile: ENV });
    device.set('temperature', 19);
    const first = await simulate(0, device);
    const session = open(first, { heartbeat: '1s' });
    const seen: number[] = [];
    const lost: DriverError[] = [];
    await session.subscribe!([point('temperature')], (_name, raw) => seen.push(POINT_CODECS.coap.decode(ENV, point('temperature'), raw) as number), {
      alive: () => undefined, lost: (error) => lost.push(error), pointFailed: () => undefined,
    });
    await first.close();
    simulators.splice(0);
    await waitFor('the observation reported lost', () => lost.length > 0);
    expect(lost[0]).toMatchObject({ kind: 'timeout' });
    const second = await simulate(first.port, device);
    device.set('temperature', 23.5);
    await waitFor('notifications from the restarted server', () => seen.includes(23.5) && second.observerCount === 1, 20_000);
    expect(decode(ENV, await session.read([point('battery')]))).toEqual({ battery: 0 });
  });

  it('faults: an error code, silence and garbage give errors, never a crash; a dead device does not stall another', async () => {
    const bad = await simulate();
    const good = await simulate();
    const driver = createCoapDriver();
    drivers.push(driver);
    const badSession = open(bad, {}, driver);
    const goodSession = open(good, { id: 'env-2' }, driver);
    const battery = [point('battery')];
    bad.setFault({ kind: 'exception', code: 4 });
    expect(decode(ENV, await badSession.read(battery))).toEqual({ battery: 'error device 5.00' });
    bad.setFault({ kind: 'garbage' });
    expect(decode(ENV, await badSession.read(battery))).toEqual({ battery: 'error protocol' });
    bad.setFault({ kind: 'no-answer' });
    let settled = false;
    const silent = errorOf(badSession.read(battery)).finally(() => (settled = true));
    let reads = 0;
    while (!settled) {
      await goodSession.read(battery);
      reads++;
    }
    expect(await silent).toMatchObject({ kind: 'timeout', message: expect.stringMatching(/^env-1 \(coap:.*\) read \/bat: no answer within 1000 ms$/) });
    expect(reads).toBeGreaterThan(5);
    bad.setFault(undefined);
    expect(decode(ENV, await badSession.read(battery))).toEqual({ battery: 0 });
  });
});
