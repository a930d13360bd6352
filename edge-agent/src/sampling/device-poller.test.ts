import { afterEach, describe, expect, it } from 'vitest';
import { parseProfile, type Reading } from '@afferent/device-profiles';
import { startModbusSimulator, type ModbusSimulator } from '@afferent/simulators';
import type { Driver, DriverError } from '../drivers/driver.js';
import { createModbusDriver } from '../drivers/modbus/modbus-driver.js';
import { waitFor } from '@afferent/testkit';
import { DevicePoller, type PollObserver } from './device-poller.js';

const profile = parseProfile(`profile: poll-test
version: 1
protocol: modbus
points:
  - { name: level, type: uint16, modbus: { address: 0 } }
  - { name: flow, type: uint16, modbus: { address: 1 } }
  - { name: command, type: uint16, access: w, modbus: { address: 2 } }
`, 'poll-test.yaml');

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const thing of running.splice(0).reverse()) await thing.stop();
});

async function simulate(port = 0): Promise<ModbusSimulator> {
  const sim = await startModbusSimulator({ port, devices: [{ unitId: 1, profile }] });
  running.push({ stop: () => sim.close() });
  return sim;
}

/** Everything the poller reported, for assertions. */
function recorder() {
  const seen = { ok: 0, failed: [] as DriverError[], points: [] as string[], readings: [] as Reading[] };
  const observer: PollObserver = {
    readSucceeded: () => void seen.ok++,
    readFailed: (_device, error) => void seen.failed.push(error),
    pointFailed: (_device, point, kind) => void seen.points.push(`${point}:${kind}`),
    reported: () => undefined,
  };
  return { seen, observer };
}

function startPoller(sim: ModbusSimulator, observer: PollObserver, emit: (r: Reading) => void, heartbeatMs = 60_000): DevicePoller {
  const driver: Driver = createModbusDriver();
  const target = { profile, instance: { id: 'tank-1', profile: profile.profile, connection: { url: sim.url, timeout: '200ms' } } };
  const poller = new DevicePoller({ target, session: driver.open(target), intervalMs: 20, heartbeatMs, emit, observer });
  poller.start();
  running.push({ stop: () => driver.close() }, poller);
  return poller;
}

describe('device poller', () => {
  it('polls on its own timer and reports changes as readings', async () => {
    const sim = await simulate();
    sim.unit(1).set('level', 5);
    const { seen, observer } = recorder();
    startPoller(sim, observer, (r) => seen.readings.push(r));
    await waitFor('the first reading and some quiet polls', () => seen.readings.length === 1 && seen.ok >= 3);
    sim.unit(1).set('flow', 7);
    await waitFor('the change to be reported', () => seen.readings.length === 2);
    expect(seen.readings.map((r) => r.v)).toEqual([{ level: 5, flow: 0 }, { flow: 7 }]);
    expect(seen.readings[1]!.t).toBeGreaterThanOrEqual(seen.readings[0]!.t);
    // The write-only point is never read.
    expect(seen.points).toEqual([]);
  });

  it('backs off while the device is down and recovers by itself when it returns', async () => {
    const first = await simulate();
    const { port } = first;
    const { seen, observer } = recorder();
    startPoller(first, observer, (r) => seen.readings.push(r), 1);
    await waitFor('a first read', () => seen.ok >= 1);
    await first.close();
    await waitFor('failed reads', () => seen.failed.length >= 3);
    expect(seen.failed.every((e) => e.kind === 'unreachable')).toBe(true);
    const okBefore = seen.ok;
    const second = await simulate(port);
    second.unit(1).set('level', 42);
    await waitFor('polling to resume', () => seen.ok > okBefore && seen.readings.at(-1)?.v.level === 42, 20_000);
  });

  it('counts a point the device refuses, and keeps reporting the others', async () => {
    const sim = await simulate();
    sim.setFault({ kind: 'exception', code: 2 }, 1);
    const { seen, observer } = recorder();
    startPoller(sim, observer, (r) => seen.readings.push(r));
    await waitFor('point failures', () => seen.points.length >= 2);
    expect(seen.points.slice(0, 2)).toEqual(['level:device', 'flow:device']);
    expect(seen.failed).toEqual([]);
    sim.setFault(undefined, 1);
    await waitFor('readings once the device answers', () => seen.readings.length > 0);
  });

  it('survives an observer that throws, and stops cleanly', async () => {
    const sim = await simulate();
    let calls = 0;
    const observer: PollObserver = {
      readSucceeded: () => {
        calls++;
        throw new Error('bookkeeping bug');
      },
      readFailed: () => undefined,
      pointFailed: () => undefined,
      reported: () => undefined,
    };
    const poller = startPoller(sim, observer, () => undefined);
    await waitFor('polls to continue', () => calls >= 3);
    await poller.stop();
    const after = sim.unit(1).reads;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sim.unit(1).reads).toBe(after);
  });
});
