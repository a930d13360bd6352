import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { followEvents, type AlarmEventData } from '@afferent/cloud-hub';
import { loadProfileFile, loadProfileLibrary, type DeviceProfile } from '@afferent/device-profiles';
import { startFleet, type Fleet, type SignalSpec } from '@afferent/simulators';
import { BENCH_PROFILES as PROFILES, createGateway, hubPorts, startAgentProcess, startHubProcess, workDir, type HubProcess } from './stack/stack.js';
import type { BenchResult } from './suite.js';

/**
 * Alarm latency: `node bench/dist/alarm-latency.js [alarms] [devices] [hz]`.
 * From a simulated device's value change to the alarm event on the hub's SSE
 * stream, while the same agent forwards the background telemetry of every
 * device (20 points each, all changing at every poll: by default 100 devices
 * at 10 Hz, 20 000 points/s). The hub and the agent run as their compiled
 * CLIs in processes of their own; the simulators and the stream reader run
 * here, so both ends of each measurement are on one clock.
 *
 * One alarm at a time: p00 of the next device jumps over its limit, the
 * raise is timed, then p00 falls back and the clear is awaited (not timed).
 * The poll interval bounds what the edge can see, so the target is
 * p99 ≤ 100 ms + the poll interval. The split uses the times the system
 * records itself (the hub's `received`, wall clock, ms): value change →
 * stored at the hub (poll wait, read, agent, uplink, hub commit), and stored
 * → on the stream.
 */

export interface AlarmLatencyOptions {
  alarms?: number;
  devices?: number;
  hz?: number;
}

export interface Percentiles {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface AlarmLatencyResult extends Percentiles {
  alarms: number;
  devices: number;
  pointsPerDevice: number;
  pollMs: number;
  /** Points/s the hub stored while alarms were measured. */
  backgroundPointsPerSecond: number;
  /** Value change → the transition stored at the hub. */
  toHub: Percentiles;
  /** Stored at the hub → the event read from the stream. */
  toStream: Percentiles;
}

function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);
  return { p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1) };
}

/** Every point but p00 follows its own sine, so each poll reports all of them; p00 rests below its limit. */
function signals(profile: DeviceProfile): Record<string, SignalSpec> {
  return Object.fromEntries(profile.points.map((p, i) => [p.name, i === 0
    ? { kind: 'sine', min: 0, max: 100, period: '30s' }
    : { kind: 'sine', min: 0, max: 1000, period: `${7 + i}s`, phase: i / 20 }]));
}

async function pointsIngested(hub: HubProcess): Promise<number> {
  return (await hub.metric('afferent_hub_points_ingested_total')) || 0;
}

export async function run(options: AlarmLatencyOptions = {}): Promise<AlarmLatencyResult> {
  const { alarms = 100, devices = 100, hz = 10 } = options;
  const pollMs = Math.round(1000 / hz);
  const work = workDir('afferent-bench-alarms-');
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const profile = loadProfileFile(join(PROFILES, 'bench-meter-20.yaml'));
    const profiles = new Map([...loadProfileLibrary().profiles, [profile.profile, profile]]);
    const fleet: Fleet = await startFleet({
      seed: 7, devices: [{ profile: profile.profile, count: devices, unitsPerPort: 10, idPrefix: 'bm', signals: signals(profile) }],
    }, profiles);
    stops.push(() => fleet.close());

    const hub = await startHubProcess(join(work.dir, 'hub'), await hubPorts(), { config: { profileDirs: [PROFILES] } });
    stops.push(() => hub.process.stop());
    const agent = await startAgentProcess(work.dir, {
      gateway: { id: 'bench-gw' }, hub: { url: hub.mqttUrl, password: await createGateway(hub, 'bench-gw') }, dataDir: join(work.dir, 'agent'),
      profileDirs: [PROFILES], status: { host: '127.0.0.1', port: 0 }, logLevel: 'warn', devices: fleet.agentDevices(`${pollMs}ms`),
    });
    stops.push(() => agent.process.stop());

    interface Arrival { at: number; wallClock: number; received: number }
    const waiters = new Map<string, (arrival: Arrival) => void>();
    const follower = await followEvents(`${hub.apiUrl}/api/v1/events?types=alarm`, hub.token, (event) => {
      const { transition } = event.data as AlarmEventData;
      waiters.get(`${event.device}:${transition.event}`)?.({ at: performance.now(), wallClock: Date.now(), received: transition.received });
    });
    stops.push(async () => follower.close());
    const next = (device: string, state: 'raised' | 'cleared') => new Promise<Arrival>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${state} event for ${device} within 30 s`)), 30_000);
      waiters.set(`${device}:${state}`, (arrival) => {
        clearTimeout(timer);
        waiters.delete(`${device}:${state}`);
        resolve(arrival);
      });
    });

    // Warm up: every device polled and its series created before anything is timed.
    while ((await pointsIngested(hub)) < devices * profile.points.length * 3) await new Promise((r) => setTimeout(r, 200));
    const started = { at: performance.now(), points: await pointsIngested(hub) };
    const total: number[] = [];
    const toHub: number[] = [];
    const toStream: number[] = [];
    for (let i = 0; i < alarms; i++) {
      const { id, device } = fleet.devices[i % fleet.devices.length]!;
      const raised = next(id, 'raised');
      const changed = { at: performance.now(), wallClock: Date.now() };
      device.set('p00', 2000);
      const arrival = await raised;
      total.push(arrival.at - changed.at);
      toHub.push(arrival.received - changed.wallClock);
      toStream.push(arrival.wallClock - arrival.received);
      const cleared = next(id, 'cleared');
      device.release('p00');
      await cleared;
    }
    const seconds = (performance.now() - started.at) / 1000;
    const background = ((await pointsIngested(hub)) - started.points) / seconds;

    return {
      alarms, devices, pointsPerDevice: profile.points.length, pollMs, backgroundPointsPerSecond: Math.round(background),
      ...percentiles(total), toHub: percentiles(toHub), toStream: percentiles(toStream),
    };
  } finally {
    for (const stop of stops.reverse()) await stop();
    work.cleanup();
  }
}

/** The result as a row set for `npm run bench`. */
export function asBenchResult(r: AlarmLatencyResult): BenchResult {
  const target = 100 + r.pollMs;
  const show = (p: Percentiles) => `p50 ${p.p50Ms} ms, p99 ${p.p99Ms} ms, max ${p.maxMs} ms`;
  return {
    suite: 'alarm-latency',
    setup: `${r.alarms} alarms raised by a simulated value change; background ${r.devices} devices × ${r.pointsPerDevice} points every ${r.pollMs} ms (the hub stored ${r.backgroundPointsPerSecond.toLocaleString('en')} points/s meanwhile); hub and agent as CLIs`,
    rows: [
      { metric: 'value change → alarm event on the hub\'s SSE stream', value: show(r), target: `p99 ≤ ${target} ms (100 ms + poll)`, met: r.p99Ms <= target },
      { metric: '… → stored at the hub', value: show(r.toHub) },
      { metric: 'stored → on the stream', value: show(r.toStream) },
    ],
  };
}

function print(r: AlarmLatencyResult): void {
  console.log(`alarm latency: simulated value change → alarm event on the hub's SSE stream`);
  console.log(`background: ${r.devices} devices × ${r.pointsPerDevice} points polled every ${r.pollMs} ms; the hub stored ${r.backgroundPointsPerSecond.toLocaleString('en')} points/s meanwhile\n`);
  const row = (what: string, p: Percentiles, target = '') => console.log(`| ${what} | ${p.p50Ms} ms | ${p.p99Ms} ms | ${p.maxMs} ms | ${target} |`);
  console.log(`| ${r.alarms} alarms | p50 | p99 | max | target p99 |`);
  console.log('|---|---:|---:|---:|---:|');
  row('value change → event on the stream', r, `≤ ${100 + r.pollMs} ms (100 ms + poll)`);
  row('… → stored at the hub', r.toHub);
  row('stored → on the stream', r.toStream);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [alarms, devices, hz] = process.argv.slice(2).map(Number);
  print(await run({
    ...(alarms ? { alarms } : {}), ...(devices ? { devices } : {}), ...(hz ? { hz } : {}),
  }));
}
