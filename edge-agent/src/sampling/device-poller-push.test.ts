import { afterEach, describe, expect, it } from 'vitest';
import { loadProfileLibrary, type PointValue, type Reading } from '@afferent/device-profiles';
import { SimulatedDevice, startCoapSimulator, type CoapSimulator } from '@afferent/simulators';
import { createCoapDriver } from '../drivers/coap/coap-driver.js';
import type { Driver, DriverError } from '../drivers/driver.js';
import { waitFor } from '@afferent/testkit';
import { DevicePoller, type PollObserver } from './device-poller.js';

/** The SenML node: /env and /led are observed, /bat is polled. */
const ENV = loadProfileLibrary().profiles.get('coap-env-senml')!;

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const thing of running.splice(0).reverse()) await thing.stop();
});

async function simulate(device: SimulatedDevice, port = 0): Promise<CoapSimulator> {
  const sim = await startCoapSimulator({ port, devices: [{ id: 'env-1', device }] });
  running.push({ stop: () => sim.close() });
  return sim;
}

function start(url: string, heartbeatMs: number) {
  const seen = { alive: 0, failed: [] as DriverError[], readings: [] as Reading[], samples: [] as Record<string, PointValue>[] };
  const observer: PollObserver = {
    readSucceeded: () => undefined,
    pushAlive: () => void seen.alive++,
    readFailed: (_device, error) => void seen.failed.push(error),
    pointFailed: () => undefined,
    reported: () => undefined,
  };
  const driver: Driver = createCoapDriver();
  const target = { profile: ENV, instance: { id: 'env-1', profile: ENV.profile, heartbeat: `${heartbeatMs}ms`, connection: { url, timeout: '300ms' } } };
  const poller = new DevicePoller({
    target, session: driver.open(target), intervalMs: 50, heartbeatMs, observer,
    emit: (r) => seen.readings.push(r),
    alarms: { sample: (_d, _t, values) => void seen.samples.push(values), failure: () => undefined },
  });
  poller.start();
  running.push({ stop: () => driver.close() }, poller);
  return seen;
}

const latest = (readings: Reading[], point: string) => readings.filter((r) => point in r.v).at(-1)?.v[point];

describe('device poller with push delivery', () => {
  it('takes pushed points from the subscription, polls the others, and re-reports pushed points at the heartbeat', async () => {
    const device = new SimulatedDevice({ profile: ENV });
    device.set('temperature', 20.5);
    device.set('battery', 2900);
    const sim = await simulate(device);
    const seen = start(sim.url, 400);
    await waitFor('pushed and polled values', () => latest(seen.readings, 'temperature') === 20.5 && latest(seen.readings, 'battery') === 2900);
    expect(sim.observerCount).toBe(2);
    device.set('temperature', 21.5);
    await waitFor('the pushed change', () => latest(seen.readings, 'temperature') === 21.5);
    expect(seen.samples.some((s) => s.temperature === 21.5)).toBe(true);
    // Nothing changes now; the heartbeat still reports every pushed point.
    const before = seen.readings.filter((r) => r.v.humidity !== undefined).length;
    await waitFor('heartbeats of an unchanged pushed point', () => seen.readings.filter((r) => r.v.humidity !== undefined).length >= before + 2);
    expect(seen.alive).toBeGreaterThan(0);
    expect(seen.failed).toEqual([]);
  });

  it('reports a device whose subscription died as failed, and takes it back when it answers', async () => {
    const device = new SimulatedDevice({ profile: ENV });
    const first = await simulate(device);
    const seen = start(first.url, 300);
    await waitFor('the subscription in force', () => seen.alive > 0);
    await first.close();
    await waitFor('the dead observation reported', () => seen.failed.some((e) => /observe \/env/.test(e.message)));
    await simulate(device, first.port);
    device.set('temperature', 30);
    await waitFor('values after the restart', () => latest(seen.readings, 'temperature') === 30, 20_000);
  });
});
