import { join } from 'node:path';
import { waitFor } from '@afferent/testkit';
import {
  BENCH_PROFILES, createGateway, hubPorts, startAgentProcess, startHubProcess, startSimulatorProcess, workDir,
  type AgentProcess, type HubProcess,
} from './stack.js';

export interface BenchMeterStackOptions {
  devices?: number;
  /** Devices behind one simulated port (one TCP connection at the agent). */
  unitsPerPort?: number;
  intervalMs?: number;
}

export const POINTS_PER_DEVICE = 20;

export interface BenchMeterStack {
  hub: HubProcess;
  agent: AgentProcess;
  pids: { agent: number; hub: number; sim: number };
  devices: number;
  intervalMs: number;
  /** Points per second the devices offer (every point changes at every poll). */
  offered: number;
  stop(): Promise<void>;
}

/**
 * The edge pipeline at load, every part its own process on loopback:
 * simulated `bench-meter` Modbus devices (20 float32 points in one block,
 * each a sine, so every poll reports every point) → agent → hub. Resolves
 * once data reaches the hub. The pipeline and soak suites measure it.
 */
export async function startBenchMeterStack(options: BenchMeterStackOptions = {}): Promise<BenchMeterStack> {
  const { devices = 100, unitsPerPort = 10, intervalMs = 100 } = options;
  const work = workDir('afferent-bench-');
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const one of stops.reverse()) await one();
    work.cleanup();
  };
  try {
    const signals = Object.fromEntries(Array.from({ length: POINTS_PER_DEVICE }, (_, i) => {
      const name = `p${String(i).padStart(2, '0')}`;
      return [name, { kind: 'sine', min: 0, max: 1000, period: `${7 + i}s` }];
    }));
    const sim = await startSimulatorProcess(work.dir, { profileDirs: [BENCH_PROFILES], devices: [{ profile: 'bench-meter', count: devices, unitsPerPort, idPrefix: 'm', signals }] });
    stops.push(() => sim.process.stop());
    const hub = await startHubProcess(join(work.dir, 'hub'), await hubPorts(), { config: { profileDirs: [BENCH_PROFILES] } });
    stops.push(() => hub.process.stop());
    const password = await createGateway(hub, 'bench-gw');
    const agent = await startAgentProcess(work.dir, {
      gateway: { id: 'bench-gw' },
      hub: { url: hub.mqttUrl, password },
      dataDir: join(work.dir, 'agent'),
      profileDirs: [BENCH_PROFILES],
      status: { host: '127.0.0.1', port: 0 },
      logLevel: 'warn',
      devices: sim.devices.map((d) => ({ ...d, interval: `${intervalMs}ms` })),
    });
    stops.push(() => agent.process.stop());
    await waitFor('data at the hub', async () => (await hub.metric('afferent_hub_points_ingested_total')) > 0, 30_000);
    return {
      hub, agent, devices, intervalMs,
      pids: { agent: agent.process.child.pid!, hub: hub.process.child.pid!, sim: sim.process.child.pid! },
      offered: (devices * POINTS_PER_DEVICE * 1000) / intervalMs,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
