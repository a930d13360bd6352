import { join } from 'node:path';
import { cpuSecondsOf, memoryOf } from './process-usage.js';
import { startFieldStack, workDir, type FieldStack } from './stack.js';

export interface EdgeBenchOptions {
  /** Writes the profiles the scenario uses into `dir` (a profile folder for simulator, hub and agent). */
  profiles(dir: string): void;
  scenario: object;
  /** The agent's devices, from what the simulator says (intervals, timeouts). */
  devices(fromSimulator: object[]): object[];
  /** Agent counters to turn into rates over the measured window. */
  counters: string[];
  warmupS: number;
  measureS: number;
}

export interface EdgeBenchResult {
  seconds: number;
  /** Per second, over the measured window. */
  rates: Record<string, number>;
  cpu: { agent: number; hub: number; simulator: number };
  agentMemory: { rss: number; peak: number };
  backlog: number;
}

/**
 * One agent between a simulator process and a hub process, as in the
 * field: every process separate, on loopback. Waits until data reaches the
 * hub, lets it warm up, then measures the agent's counters, CPU (% of one
 * core) and memory over the window.
 */
export async function runEdgeBench(options: EdgeBenchOptions): Promise<EdgeBenchResult> {
  const work = workDir('afferent-bench-');
  let field: FieldStack | undefined;
  try {
    const profileDir = join(work.dir, 'profiles');
    options.profiles(profileDir);
    field = await startFieldStack(work.dir, {
      profileDirs: [profileDir], scenario: options.scenario, simArgs: ['--pki', join(work.dir, 'sim-pki')],
      devices: options.devices, readyTimeoutMs: 120_000,
    });
    const { agent } = field;
    await new Promise((r) => setTimeout(r, options.warmupS * 1000));
    const pids = { agent: field.pids.agent, hub: field.pids.hub, simulator: field.pids.sim };
    const cpu0 = { agent: cpuSecondsOf(pids.agent), hub: cpuSecondsOf(pids.hub), simulator: cpuSecondsOf(pids.simulator) };
    const counts0 = await Promise.all(options.counters.map((name) => agent.metric(name)));
    const started = Date.now();
    await new Promise((r) => setTimeout(r, options.measureS * 1000));
    const counts = await Promise.all(options.counters.map((name) => agent.metric(name)));
    const seconds = (Date.now() - started) / 1000;
    const cpu = (name: keyof typeof pids) => ((cpuSecondsOf(pids[name]) - cpu0[name]) / seconds) * 100;
    return {
      seconds,
      rates: Object.fromEntries(options.counters.map((name, i) => [name, (counts[i]! - counts0[i]!) / seconds])),
      cpu: { agent: cpu('agent'), hub: cpu('hub'), simulator: cpu('simulator') },
      agentMemory: memoryOf(pids.agent),
      backlog: (await agent.health<{ backlog: { readings: number } }>()).backlog.readings,
    };
  } finally {
    await field?.stop();
    work.cleanup();
  }
}
