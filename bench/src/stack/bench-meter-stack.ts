import { BENCH_PROFILES, startFieldStack, workDir, type AgentProcess, type HubProcess } from './stack.js';

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
  const signals = Object.fromEntries(Array.from({ length: POINTS_PER_DEVICE }, (_, i) => {
    const name = `p${String(i).padStart(2, '0')}`;
    return [name, { kind: 'sine', min: 0, max: 1000, period: `${7 + i}s` }];
  }));
  try {
    const field = await startFieldStack(work.dir, {
      profileDirs: [BENCH_PROFILES],
      scenario: { devices: [{ profile: 'bench-meter', count: devices, unitsPerPort, idPrefix: 'm', signals }] },
      devices: (fromSimulator) => fromSimulator.map((d) => ({ ...d, interval: `${intervalMs}ms` })),
    });
    return {
      hub: field.hub, agent: field.agent, devices, intervalMs, pids: field.pids,
      offered: (devices * POINTS_PER_DEVICE * 1000) / intervalMs,
      stop: async () => {
        await field.stop();
        work.cleanup();
      },
    };
  } catch (error) {
    work.cleanup();
    throw error;
  }
}
