import { afterEach, describe, expect, it } from 'vitest';
import { parseProfile, type DeviceProfile, type PointValue } from '@afferent/device-profiles';
import { startModbusSimulator, type ModbusSimulator } from '@afferent/simulators';
import { waitFor } from '@afferent/testkit';
import type { DeviceSession, Driver } from '../driver.js';
import { createModbusDriver } from './modbus-driver.js';
import { PROFILE, VALUES, decode, errorOf, readable, writeValues } from './test-support/every-table.js';

const simulators: ModbusSimulator[] = [];
const drivers: Driver[] = [];
afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close()));
  await Promise.all(simulators.splice(0).map((s) => s.close()));
});

async function simulate(profile: DeviceProfile = PROFILE, port = 0, unitIds = [1]): Promise<ModbusSimulator> {
  const sim = await startModbusSimulator({ port, devices: unitIds.map((unitId) => ({ unitId, profile })) });
  simulators.push(sim);
  return sim;
}

function openSession(sim: ModbusSimulator, connection: Record<string, unknown> = {}, profile: DeviceProfile = PROFILE, driver?: Driver): DeviceSession {
  if (!driver) drivers.push((driver = createModbusDriver()));
  return driver.open({ profile, instance: { id: `dev-${String(connection.unitId ?? 1)}`, profile: profile.profile, connection: { url: sim.url, unitId: 1, ...connection } } });
}

describe('Modbus TCP driver against the simulator', () => {
  it('reads every table and type, decoded right through the codecs, in planned blocks', async () => {
    const sim = await simulate();
    for (const [name, value] of Object.entries(VALUES)) sim.unit(1).set(name, value);
    const session = openSession(sim);
    expect(decode(PROFILE, await session.read(readable(PROFILE)))).toEqual(VALUES);
    // input 0..16 and holding 100..104 are one block each; coils and discretes are not counted by the simulator.
    expect(sim.unit(1).reads).toBe(2);
  });

  it('falls back to one read per point when a block read gets an exception, and reports the device code', async () => {
    const simProfile = parseProfile(`profile: gappy\nversion: 1\nprotocol: modbus\npoints:
  - { name: a, type: uint16, modbus: { address: 0 } }
  - { name: c, type: uint16, modbus: { address: 2 } }\n`, 'gappy.yaml');
    // The agent believes in a point at address 1 that this device does not have.
    const agentProfile = parseProfile(`profile: gappy\nversion: 1\nprotocol: modbus\npoints:
  - { name: a, type: uint16, modbus: { address: 0 } }
  - { name: b, type: uint16, modbus: { address: 1 } }
  - { name: c, type: uint16, modbus: { address: 2 } }\n`, 'gappy.yaml');
    const sim = await simulate(simProfile);
    sim.unit(1).set('a', 11);
    sim.unit(1).set('c', 33);
    const session = openSession(sim, {}, agentProfile);
    expect(decode(agentProfile, await session.read(agentProfile.points))).toEqual({ a: 11, b: 'error device 2', c: 33 });
    expect(sim.unit(1).reads).toBe(2);

    sim.setFault({ kind: 'exception', code: 4 }, 1);
    expect(decode(agentProfile, await session.read(agentProfile.points))).toEqual({ a: 'error device 4', b: 'error device 4', c: 'error device 4' });
  });

  it('writes coils (FC05, FC15), holding registers (FC06, FC16) and a masked bit, and reads them back', async () => {
    const sim = await simulate();
    const session = openSession(sim);
    const write = (values: Record<string, PointValue>) => writeValues(session, values);
    await write({ setpoint: 22.5, limit: -123_456, mode: 'auto', relay2: true });
    await write({ relay1: true, relay2: false, relay3: true });
    const bits = () => session.read(PROFILE.points.filter((p) => p.name === 'running' || p.name === 'tripped')).then((r) => decode(PROFILE, r));
    await write({ running: true });
    await write({ tripped: true });
    // Read-modify-write: setting one bit kept the other.
    expect(await bits()).toEqual({ running: true, tripped: true });
    await write({ running: false });
    expect(await bits()).toEqual({ running: false, tripped: true });
    const back = decode(PROFILE, await session.read(PROFILE.points.filter((p) => p.access === 'rw')));
    expect(back).toEqual({ setpoint: 22.5, limit: -123_456, mode: 'auto', running: false, tripped: true, relay1: true, relay2: false, relay3: true });
    const log = sim.unit(1).writeLog.map((w) => `${w.point}=${String(w.value)}`);
    expect(log.slice(0, 7)).toEqual([
      'setpoint=22.5', 'limit=-123456', 'mode=auto', 'relay2=true', 'relay1=true', 'relay2=false', 'relay3=true',
    ]);
  });

  it('rejects a write the device refuses, with its exception code', async () => {
    const sim = await simulate();
    const session = openSession(sim);
    const point = PROFILE.points.find((p) => p.name === 'setpoint')!;
    // 50 °C is outside the device's range: raw 500 encodes, the device answers 03.
    const error = await errorOf(session.write([{ point, raw: { words: [500] } }]));
    expect(error).toMatchObject({ kind: 'device', code: 3 });
    expect(error?.message).toMatch(/^dev-1 \(tcp:\/\/127\.0\.0\.1:\d+ unit 1\) write setpoint: Modbus exception 3 \(illegal data value\)$/);
  });

  it('heals by itself after the device restarts on the same port', async () => {
    const first = await simulate();
    first.unit(1).set('temperature', 20.5);
    const session = openSession(first);
    const temperature = PROFILE.points.filter((p) => p.name === 'temperature');
    expect(decode(PROFILE, await session.read(temperature))).toEqual({ temperature: 20.5 });
    const { port } = first;
    await first.close();
    expect(await errorOf(session.read(temperature))).toMatchObject({ kind: 'unreachable' });
    const second = await simulate(PROFILE, port);
    second.unit(1).set('temperature', 21.5);
    await waitFor('the session to heal', async () => decode(PROFILE, await session.read(temperature)).temperature === 21.5);
  });

  it('heals after the device drops the connection or answers garbage', async () => {
    const sim = await simulate();
    const session = openSession(sim, { timeout: '300ms' });
    const points = readable(PROFILE);
    sim.setFault({ kind: 'drop-connection' }, 1);
    expect(await errorOf(session.read(points))).toMatchObject({ kind: 'unreachable' });
    sim.setFault({ kind: 'garbage' }, 1);
    // modbus-serial discards a frame whose transaction id it did not send: the request goes unanswered.
    expect(await errorOf(session.read(points))).toMatchObject({ kind: 'timeout' });
    sim.setFault(undefined, 1);
    await waitFor('reads to work again', async () => (await session.read(points)).size === points.length);
  });

  it('a unit that does not answer times out without delaying a device on another connection', async () => {
    const dead = await simulate();
    const alive = await simulate();
    dead.setFault({ kind: 'no-answer' });
    const driver = createModbusDriver();
    drivers.push(driver);
    const deadSession = openSession(dead, { timeout: '1500ms' }, PROFILE, driver);
    const aliveSession = openSession(alive, { timeout: '1500ms' }, PROFILE, driver);
    const points = PROFILE.points.filter((p) => p.modbus?.table === undefined);
    let settled = false;
    const deadRead = errorOf(deadSession.read(points)).finally(() => (settled = true));
    let aliveReads = 0;
    while (!settled) {
      await aliveSession.read(points);
      aliveReads++;
    }
    expect(await deadRead).toMatchObject({ kind: 'timeout' });
    // While one read on the dead connection waited out its timeout, the other connection kept working.
    expect(aliveReads).toBeGreaterThan(10);
    expect(alive.unit(1).reads).toBe(aliveReads);
  });

  it('shares one connection among the units behind a gateway, one request at a time', async () => {
    const gateway = await simulate(PROFILE, 0, [1, 2]);
    gateway.unit(1).set('temperature', 1.5);
    gateway.unit(2).set('temperature', 2.5);
    const driver = createModbusDriver();
    drivers.push(driver);
    const one = openSession(gateway, { unitId: 1 }, PROFILE, driver);
    const two = openSession(gateway, { unitId: 2 }, PROFILE, driver);
    const temperature = PROFILE.points.filter((p) => p.name === 'temperature');
    const [a, b] = await Promise.all([one.read(temperature), two.read(temperature)]);
    expect([decode(PROFILE, a), decode(PROFILE, b)]).toEqual([{ temperature: 1.5 }, { temperature: 2.5 }]);
    expect(connectionsOf(gateway)).toBe(1);

    // A silent unit behind the gateway costs its own timeouts; the other unit still answers.
    gateway.setFault({ kind: 'no-answer' }, 2);
    const [late, fine] = await Promise.all([errorOf(two.read(temperature)), one.read(temperature)]);
    expect(late).toMatchObject({ kind: 'timeout' });
    expect(decode(PROFILE, fine)).toEqual({ temperature: 1.5 });
  });
});

/** Open TCP connections at the simulator (modbus-serial's ServerTCP keeps them in `socks`). */
function connectionsOf(sim: ModbusSimulator): number {
  return (sim as unknown as { server: { socks: Map<unknown, unknown> } }).server.socks.size;
}
