import { afterEach, describe, expect, it } from 'vitest';
import { parseProfile, type DeviceProfile } from '@afferent/device-profiles';
import { startModbusRtuSimulator, startPtyPair, type ModbusRtuSimulator, type PtyPair } from '@afferent/simulators';
import { waitFor } from '@afferent/testkit';
import { DriverError, type DeviceSession, type Driver } from '../driver.js';
import { createModbusDriver, type ModbusDriverOptions } from './modbus-driver.js';
import { PROFILE, VALUES, decode, errorOf, readable, writeValues } from './test-support/every-table.js';
import { startPymodbusRtuServer, type PymodbusServer } from './test-support/pymodbus-rtu-server.js';

const LINE = { baudRate: 19200, parity: 'even' } as const;
const pairs: PtyPair[] = [];
const simulators: ModbusRtuSimulator[] = [];
const drivers: Driver[] = [];
const peers: PymodbusServer[] = [];
afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close()));
  await Promise.all(simulators.splice(0).map((s) => s.close()));
  await Promise.all(peers.splice(0).map((p) => p.stop()));
  await Promise.all(pairs.splice(0).map((p) => p.close()));
});

/** A serial bus in software: a pty pair with the simulator on its device end, serving `unitIds`. */
async function bus(unitIds = [1], profile: DeviceProfile = PROFILE): Promise<{ pair: PtyPair; sim: ModbusRtuSimulator }> {
  const pair = await startPtyPair();
  pairs.push(pair);
  return { pair, sim: await simulate(pair, unitIds, profile) };
}

async function simulate(pair: PtyPair, unitIds: number[], profile: DeviceProfile = PROFILE): Promise<ModbusRtuSimulator> {
  const sim = await startModbusRtuSimulator({ path: pair.device, ...LINE, devices: unitIds.map((unitId) => ({ unitId, profile })) });
  simulators.push(sim);
  return sim;
}

function driver(options: ModbusDriverOptions = {}): Driver {
  const created = createModbusDriver(options);
  drivers.push(created);
  return created;
}

function open(on: Driver, pair: PtyPair, unitId: number, connection: Record<string, unknown> = {}, profile: DeviceProfile = PROFILE): DeviceSession {
  return on.open({
    profile,
    instance: { id: `dev-${unitId}`, profile: profile.profile, connection: { url: `rtu:${pair.client}`, unitId, ...LINE, timeout: '300ms', ...connection } },
  });
}

const temperature = PROFILE.points.filter((p) => p.name === 'temperature');
const readTemperature = async (session: DeviceSession) => decode(PROFILE, await session.read(temperature)).temperature;

describe('Modbus RTU driver over a pty pair', () => {
  it('reads every table and type, in planned blocks, and writes read back', async () => {
    const { pair, sim } = await bus();
    for (const [name, value] of Object.entries(VALUES)) sim.unit(1).set(name, value);
    const session = open(driver(), pair, 1);
    expect(decode(PROFILE, await session.read(readable(PROFILE)))).toEqual(VALUES);
    expect(sim.unit(1).reads).toBe(2);

    await writeValues(session, { setpoint: 22.5, limit: -123_456, mode: 'auto', relay1: false, relay2: true, relay3: false, tripped: true });
    const back = decode(PROFILE, await session.read(PROFILE.points.filter((p) => p.access === 'rw')));
    expect(back).toEqual({ setpoint: 22.5, limit: -123_456, mode: 'auto', running: true, tripped: true, relay1: false, relay2: true, relay3: false });
  });

  it('shares one port and its queue among the units on the bus', async () => {
    const { pair, sim } = await bus([1, 2, 3]);
    for (const unit of [1, 2, 3]) sim.unit(unit).set('temperature', unit + 0.5);
    const on = driver();
    // The port is opened with a lock: a second open of it would fail, so these reads can only share one.
    const sessions = [1, 2, 3].map((unit) => open(on, pair, unit));
    for (let round = 0; round < 3; round++) {
      expect(await Promise.all(sessions.map(readTemperature))).toEqual([1.5, 2.5, 3.5]);
    }
    expect([1, 2, 3].map((unit) => sim.unit(unit).reads)).toEqual([3, 3, 3]);
  });

  it('quarantines a unit that stops answering, while the others on the bus keep every poll', async () => {
    const { pair, sim } = await bus([1, 2, 3]);
    // A long quarantine: no probe falls inside the test, so the counts are exact.
    const on = driver({ quarantine: { after: 2, firstMs: 60_000, maxMs: 60_000 } });
    const [one, silent, three] = [1, 2, 3].map((unit) => open(on, pair, unit));
    sim.setFault({ kind: 'no-answer' }, 2);
    const failures: DriverError[] = [];
    const rounds = 15;
    for (let round = 0; round < rounds; round++) {
      const [a, b, c] = await Promise.allSettled([readTemperature(one!), readTemperature(silent!), readTemperature(three!)]);
      expect([a.status, b.status, c.status]).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      failures.push((b as PromiseRejectedResult).reason as DriverError);
    }
    expect([sim.unit(1).reads, sim.unit(3).reads]).toEqual([rounds, rounds]);
    // Two requests waited out their timeout; every later one failed at once without touching the bus.
    expect(failures.map((f) => f.kind)).toEqual([...Array(2).fill('timeout'), ...Array(rounds - 2).fill('unreachable')]);
    expect(failures.at(-1)!.message).toMatch(/^dev-2 \(rtu:\/.+\/client unit 2\) read input 0\+1: unit 2 is not answering \(2 requests unanswered\); quarantined, next try in \d+(\.\d)?s$/);
  });

  it('probes a quarantined unit again, and takes it back when it answers', async () => {
    const { pair, sim } = await bus([1, 2]);
    const on = driver({ quarantine: { after: 1, firstMs: 200, maxMs: 400 } });
    const silent = open(on, pair, 2);
    sim.setFault({ kind: 'no-answer' }, 2);
    expect(await errorOf(readTemperature(silent))).toMatchObject({ kind: 'timeout' });
    expect(await errorOf(readTemperature(silent))).toMatchObject({ kind: 'unreachable', message: expect.stringMatching(/quarantined/) });
    sim.setFault(undefined, 2);
    sim.unit(2).set('temperature', 7.5);
    await waitFor('the unit to be probed and answer', async () => (await readTemperature(silent)) === 7.5);
  });

  it('a garbled answer (bad CRC) fails that read as a protocol error; the next read works', async () => {
    const { pair, sim } = await bus();
    sim.unit(1).set('temperature', 20.5);
    const session = open(driver(), pair, 1);
    sim.setFault({ kind: 'garbage' }, 1);
    const garbled = await session.read(temperature);
    expect(garbled.get('temperature')).toMatchObject({ error: { kind: 'protocol', message: expect.stringMatching(/CRC error/) } });
    sim.setFault(undefined, 1);
    expect(await readTemperature(session)).toBe(20.5);
  });

  it('fails fast when the port vanishes, and reopens it when it is back', async () => {
    const { pair, sim } = await bus();
    sim.unit(1).set('temperature', 20.5);
    const session = open(driver(), pair, 1);
    expect(await readTemperature(session)).toBe(20.5);
    await pair.unplug();
    await sim.close();
    expect(await errorOf(readTemperature(session))).toMatchObject({ kind: 'unreachable' });
    expect(await errorOf(readTemperature(session))).toMatchObject({ kind: 'unreachable' });
    await pair.plug();
    const back = await simulate(pair, [1]);
    back.unit(1).set('temperature', 21.5);
    await waitFor('the port to be reopened', async () => (await readTemperature(session).catch(() => undefined)) === 21.5);
  });

  it('keeps serial ports apart: a silent unit on one does not delay the other', async () => {
    const dead = await bus();
    const alive = await bus();
    dead.sim.setFault({ kind: 'no-answer' });
    const on = driver();
    let settled = false;
    const deadRead = errorOf(readTemperature(open(on, dead.pair, 1, { timeout: '20s' }))).finally(() => (settled = true));
    const other = open(on, alive.pair, 1);
    for (let i = 0; i < 5; i++) await readTemperature(other);
    expect(settled).toBe(false);
    expect(alive.sim.unit(1).reads).toBe(5);
    await on.close();
    expect(await deadRead).toMatchObject({ kind: 'unreachable', message: expect.stringMatching(/closed by the agent/) });
  });

  it('refuses a second device on the same port at other serial settings', async () => {
    const { pair } = await bus();
    const on = driver();
    open(on, pair, 1);
    expect(() => open(on, pair, 2, { baudRate: 9600 })).toThrow(/is already open at 19200 8E1, not 9600 8E1/);
  });
});

describe('Modbus RTU driver against a third-party server (Debian pymodbus 3.0.0rc1)', () => {
  const PYMODBUS_PROFILE = parseProfile(`profile: pymodbus-test
version: 1
protocol: modbus
points:
  - { name: first, type: uint16, modbus: { address: 0 } }
  - { name: pair, type: uint32, modbus: { address: 1 } }
  - { name: setpoint, type: uint16, access: rw, modbus: { address: 3 } }
  - { name: input0, type: uint16, modbus: { table: input, address: 0 } }
  - { name: input4, type: uint16, modbus: { table: input, address: 4 } }
  - { name: coil0, type: bool, access: rw, modbus: { table: coil, address: 0 } }
  - { name: coil1, type: bool, modbus: { table: coil, address: 1 } }
`, 'pymodbus-test.yaml');

  it('reads two units, writes a register and a coil and reads them back, and a unit it lacks is silent', async () => {
    const pair = await startPtyPair();
    pairs.push(pair);
    peers.push(await startPymodbusRtuServer(pair.device, 19200, [1, 2]));
    const on = driver({ quarantine: { after: 5, firstMs: 1000, maxMs: 1000 } });
    const line = { baudRate: 19200, parity: 'none', timeout: '1s' };
    const [one, two, absent] = [1, 2, 9].map((unit) => open(on, pair, unit, line, PYMODBUS_PROFILE));
    const points = PYMODBUS_PROFILE.points;
    expect(decode(PYMODBUS_PROFILE, await one!.read(points))).toEqual({ first: 100, pair: (101 << 16) + 102, setpoint: 103, input0: 1000, input4: 1004, coil0: true, coil1: false });
    expect(decode(PYMODBUS_PROFILE, await two!.read(points))).toEqual({ first: 200, pair: (201 << 16) + 202, setpoint: 203, input0: 2000, input4: 2004, coil0: true, coil1: false });
    await writeValues(two!, { setpoint: 4242, coil0: false }, PYMODBUS_PROFILE);
    expect(decode(PYMODBUS_PROFILE, await two!.read(points.filter((p) => p.access === 'rw')))).toEqual({ setpoint: 4242, coil0: false });
    expect(decode(PYMODBUS_PROFILE, await one!.read(points.filter((p) => p.access === 'rw')))).toEqual({ setpoint: 103, coil0: true });
    expect(await errorOf(absent!.read(points))).toMatchObject({ kind: 'timeout' });
  });
});
