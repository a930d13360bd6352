import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProfileFile } from '@afferent/device-profiles';
import { startModbusSimulator, type ModbusSimulator } from '@afferent/simulators';
import { createGateway, hubPorts, startAgentProcess, startHubProcess, workDir, type AgentProcess, type HubProcess } from '../bench/src/stack/stack.js';
import { waitFor } from '@afferent/testkit';

const AGENT_PACKAGE = JSON.parse(readFileSync(new URL('../edge-agent/package.json', import.meta.url), 'utf8')) as { version: string };

/** One counter that changes on every poll: every reading the agent produces is distinct and countable. */
/** Raw queries span at most 31 days: ask from the start of the test. */
const since = Date.now() - 60_000;

const COUNTER_PROFILE = `profile: e2e-counter
version: 1
protocol: modbus
modbus: { table: input }
points:
  - { name: count, type: uint32, modbus: { address: 0 } }
  - { name: setpoint, type: int16, scale: 0.1, access: rw, modbus: { table: holding, address: 10 } }
`;

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Samples { points: Record<string, { t: number; v: number }[]> }

describe('foundation: a Modbus meter\'s readings travel edge → hub → API', () => {
  it('shows a value set in the simulator in the API, and loses nor duplicates nothing when the hub is SIGKILLed mid-stream', async () => {
    const work = workDir();
    cleanups.push(work.cleanup);
    const profiles = join(work.dir, 'profiles');
    mkdirSync(profiles);
    writeFileSync(join(profiles, 'e2e-counter.yaml'), COUNTER_PROFILE);
    const profile = loadProfileFile(join(profiles, 'e2e-counter.yaml'));

    const simulator: ModbusSimulator = await startModbusSimulator({
      devices: [{ unitId: 1, profile, signals: { count: { kind: 'counter', rate: 20 } } }],
    });
    cleanups.push(() => simulator.close());

    const ports = await hubPorts();
    const hubData = join(work.dir, 'hub');
    let hub: HubProcess = await startHubProcess(hubData, ports, { config: { profileDirs: [profiles] } });
    cleanups.push(() => hub.process.stop());
    const password = await createGateway(hub, 'gw-e2e');

    const agent: AgentProcess = await startAgentProcess(work.dir, {
      gateway: { id: 'gw-e2e' },
      hub: { url: hub.mqttUrl, password },
      dataDir: join(work.dir, 'agent'),
      profileDirs: [profiles],
      status: { host: '127.0.0.1', port: 0 },
      uplink: { ackTimeout: '2s' },
      logLevel: 'warn',
      devices: [{ id: 'counter-1', profile: 'e2e-counter', interval: '50ms', heartbeat: '1h', connection: { url: simulator.url, unitId: 1 } }],
    });
    cleanups.push(() => agent.process.stop());
    // The agent runs as deployed, from its bundle, which still knows what it is.
    expect(await agent.health()).toMatchObject({ ok: true, version: AGENT_PACKAGE.version });

    // A value set at the device shows up at the API.
    simulator.unit(1).set('setpoint', 21.5);
    await waitFor('the setpoint in the API', async () => {
      const { body } = await hub.api<{ latest: Record<string, { value: unknown }> }>('/api/v1/devices/counter-1');
      return body?.latest?.setpoint?.value === 21.5;
    });

    // Kill the hub without warning while the agent keeps polling, then bring it back on the same ports and data.
    await waitFor('some counts stored', async () => ((await hub.api<Samples>(`/api/v1/devices/counter-1/telemetry?point=count&from=${since}`)).body.points.count?.length ?? 0) > 20);
    await hub.process.stop('SIGKILL');
    await waitFor('a backlog at the agent while the hub is down', async () => (await agent.health()).backlog.batches >= 3);
    hub = await startHubProcess(hubData, ports, { token: hub.token, config: { profileDirs: [profiles] } });

    // Freeze the device: no more changes, so no more readings; then wait for the backlog to drain.
    simulator.unit(1).set('count', simulator.unit(1).get('count') as number);
    let produced = -1;
    await waitFor('the agent to stop producing and its outbox to drain', async () => {
      const now = await agent.metric('afferent_agent_readings_total');
      const stable = now === produced;
      produced = now;
      return stable && (await agent.health()).backlog.batches === 0;
    }, 30_000, 500);

    const { body } = await hub.api<Samples>(`/api/v1/devices/counter-1/telemetry?point=count&from=${since}&limit=100000`);
    const stored = body.points.count!;
    const setpoints = (await hub.api<Samples>(`/api/v1/devices/counter-1/telemetry?point=setpoint&from=${since}&limit=100000`)).body.points.setpoint!;
    // Every reading carries `count` except the one that reported only the new setpoint value.
    const readingsStored = stored.length + setpoints.filter((s) => !stored.some((c) => c.t === s.t)).length;
    expect(readingsStored).toBe(produced);
    expect(new Set(stored.map((s) => s.t)).size).toBe(stored.length);
    expect(stored.length).toBeGreaterThan(40);
  });
});
