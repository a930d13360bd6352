import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runEdgeBench } from './stack/edge-bench.js';
import { fmt, type BenchResult } from './suite.js';

export interface OpcuaItemsOptions {
  items?: number;
  warmupS?: number;
  measureS?: number;
}

const name = (i: number) => `p${String(i).padStart(5, '0')}`;

/**
 * 10,000 monitored items sampled every second on one OPC UA server, all
 * changing, subscribed by one agent (one device of 10,000 points): what the
 * agent's process costs in CPU and memory, and whether every change gets
 * through to the hub.
 */
export async function run(options: OpcuaItemsOptions = {}): Promise<BenchResult> {
  const { items = 10_000, warmupS = 15, measureS = 30 } = options;
  const result = await runEdgeBench({
    profiles(dir) {
      mkdirSync(dir, { recursive: true });
      const points = Array.from({ length: items }, (_, i) => ({ name: name(i), type: 'float64', opcua: { nodeId: `nsu=urn:afferent:bench;s=P${i}` } }));
      writeFileSync(join(dir, 'bench-plc.yaml'), stringify({ profile: 'bench-plc', version: 1, protocol: 'opcua', opcua: { mode: 'subscribe', samplingInterval: '1s' }, points }));
    },
    scenario: {
      devices: [{
        profile: 'bench-plc', count: 1, idPrefix: 'plc',
        signals: Object.fromEntries(Array.from({ length: items }, (_, i) => [name(i), { kind: 'sine', min: 0, max: 1000, period: `${20 + (i % 40)}s`, phase: (i % 7) / 7 }])),
      }],
    },
    devices: (devices) => devices.map((d) => ({ ...d, interval: '1s' })),
    counters: ['afferent_agent_points_total', 'afferent_agent_readings_total'],
    warmupS,
    measureS,
  });
  const points = result.rates.afferent_agent_points_total!;
  return {
    suite: 'opcua-items',
    setup: `${items.toLocaleString('en')} monitored items (float64, sine signals) sampled every 1 s on one simulated OPC UA server, one agent device subscribing with a 1 s publishing interval; simulator, agent and hub as separate processes on loopback; ${warmupS} s warm-up, ${measureS} s measured`,
    rows: [
      { metric: 'changes reported by the agent', value: fmt.rate(points, 'points/s'), target: `≈ ${fmt.rate(items, 'points/s')} (every item, every second)`, met: points >= items * 0.95 },
      { metric: 'readings (samples) per second', value: fmt.rate(result.rates.afferent_agent_readings_total!, '/s') },
      { metric: 'agent CPU', value: fmt.pct(result.cpu.agent) + ' of one core' },
      { metric: 'agent RSS, now / peak', value: `${fmt.mb(result.agentMemory.rss)} / ${fmt.mb(result.agentMemory.peak)}` },
      { metric: 'agent backlog at the end', value: `${result.backlog} readings`, target: '≈ 0 (keeping up)', met: result.backlog < items },
      { metric: 'CPU: hub / simulator', value: `${fmt.pct(result.cpu.hub)} / ${fmt.pct(result.cpu.simulator)} of one core` },
    ],
  };
}
