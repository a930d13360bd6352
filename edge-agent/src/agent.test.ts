import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProfileLibrary } from '@afferent/device-profiles';
import { startModbusSimulator, type ModbusSimulator } from '@afferent/simulators';
import { startAgent, type RunningAgent } from './agent.js';
import { loadAgentConfig } from './config/agent-config.js';
import type { HealthReport } from './status/status-server.js';
import { startBroker, type TestBroker } from './test-support/mqtt-broker.js';
import { tempDirs } from './test-support/temp-dir.js';
import { startTestHub, type TestHub } from './test-support/test-hub.js';
import { waitFor } from '@afferent/testkit';

const library = loadProfileLibrary();
const dirs = tempDirs();
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  dirs.cleanup();
});

async function field(): Promise<{ meters: ModbusSimulator; io: ModbusSimulator }> {
  // Two units behind one gateway port, and an IO module on its own port.
  const meters = await startModbusSimulator({
    devices: [
      { unitId: 1, profile: library.profiles.get('eastron-sdm120')! },
      { unitId: 2, profile: library.profiles.get('xy-md02')! },
    ],
  });
  const io = await startModbusSimulator({ devices: [{ unitId: 1, profile: library.profiles.get('waveshare-modbus-rtu-io-8ch')! }] });
  cleanups.push(() => meters.close(), () => io.close());
  meters.unit(1).set('voltage', 230.1);
  meters.unit(2).set('temperature', 21.5);
  io.unit(1).set('di3', true);
  return { meters, io };
}

async function agent(hubUrl: string, sims: { meters: ModbusSimulator; io: ModbusSimulator }): Promise<RunningAgent> {
  const dir = dirs.make();
  writeFileSync(join(dir, 'agent.yaml'), `gateway: { id: gw-it }
hub: { url: "${hubUrl}", password: unused }
dataDir: data
status: { port: 0 }
logLevel: silent
uplink: { batchLinger: 20ms, ackTimeout: 500ms }
devices:
  - { id: meter-1, profile: eastron-sdm120, interval: 100ms, connection: { url: "${sims.meters.url}", unitId: 1 }, labels: { room: plant } }
  - { id: th-1, profile: xy-md02, interval: 100ms, connection: { url: "${sims.meters.url}", unitId: 2 } }
  - { id: io-1, profile: waveshare-modbus-rtu-io-8ch, interval: 100ms, connection: { url: "${sims.io.url}" } }
  - { id: spare, profile: xy-md02, enabled: false, connection: { url: "tcp://127.0.0.1:1" } }
`);
  const running = await startAgent(loadAgentConfig(join(dir, 'agent.yaml')));
  cleanups.push(() => running.stop());
  return running;
}

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

const healthOf = async (a: RunningAgent) => (await (await fetch(`${a.statusUrl}/healthz`)).json()) as HealthReport;

/** The last value of a point of a device the hub has stored. */
function latest(h: TestHub, device: string, point: string): unknown {
  const readings = [...h.batches.values()].flatMap((b) => b.readings).filter((r) => r.d === device && point in r.v);
  return readings.sort((a, b) => a.t - b.t).at(-1)?.v[point];
}

describe('the agent, end to end on loopback', () => {
  it('polls every device, forwards decoded readings to the hub, and reports health and metrics', async () => {
    const b = await broker();
    const h = await hub(b.url);
    const sims = await field();
    const running = await agent(b.url, sims);
    expect(running.devices).toBe(3);
    await waitFor('readings from every device at the hub', () => latest(h, 'meter-1', 'voltage') === 230.1 && latest(h, 'th-1', 'temperature') === 21.5 && latest(h, 'io-1', 'di3') === true);
    sims.meters.unit(2).set('temperature', 22.5);
    await waitFor('a change to arrive', () => latest(h, 'th-1', 'temperature') === 22.5);

    const health = await waitFor('a healthy report', async () => {
      const report = await healthOf(running);
      return report.uplink.connected && Object.values(report.devices).every((d) => d.reachable) ? report : undefined;
    });
    expect(health).toMatchObject({ ok: true, gateway: 'gw-it' });
    expect(Object.keys(health.devices).sort()).toEqual(['io-1', 'meter-1', 'th-1']);
    expect(health.devices['meter-1']).toMatchObject({ reachable: true, readErrors: 0, latencyMs: expect.any(Number), lastRead: expect.any(Number) });

    const metrics = await (await fetch(`${running.statusUrl}/metrics`)).text();
    expect(metrics).toMatch(/^afferent_agent_readings_total\{device="th-1"\} [1-9]/m);
    expect(metrics).toMatch(/^afferent_agent_points_total\{device="meter-1"\} [1-9]/m);
    expect(metrics).toMatch(/^afferent_agent_uplink_batches_acked_total [1-9]/m);
    expect(metrics).toContain('afferent_agent_uplink_connected 1');
  });

  it('keeps sampling into the outbox while the hub is away, and delivers the backlog when it returns', async () => {
    const placeholder = await startBroker();
    const { port } = placeholder;
    await placeholder.close();
    const sims = await field();
    const running = await agent(`mqtt://127.0.0.1:${port}`, sims);
    await waitFor('readings to pile up in the outbox', async () => (await healthOf(running)).backlog.readings >= 3);
    sims.meters.unit(1).set('voltage', 240.2);
    await waitFor('the change to be stored', async () => (await healthOf(running)).backlog.readings >= 4);
    expect((await healthOf(running)).uplink.connected).toBe(false);

    const b = await broker(port);
    const h = await hub(b.url);
    await waitFor('the backlog to drain', async () => (await healthOf(running)).backlog.batches === 0 && latest(h, 'meter-1', 'voltage') === 240.2, 40_000);
    const values = [...h.batches.values()].flatMap((batch) => batch.readings).filter((r) => r.d === 'meter-1').map((r) => r.v.voltage);
    expect(values).toContain(230.1);
  });
});
