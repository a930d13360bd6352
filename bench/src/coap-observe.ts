import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runEdgeBench } from './stack/edge-bench.js';
import { fmt, type BenchResult } from './suite.js';

export interface CoapObserveOptions {
  devices?: number;
  warmupS?: number;
  measureS?: number;
}

/** The simulator compares observed resources with what it last sent every 100 ms: at most 10 notifications/s each. */
const NOTIFY_PER_S = 10;

/**
 * CoAP observe through the agent: N simulated nodes, each with one
 * observable resource that changes faster than the simulator notifies, so
 * each sends about 10 notifications a second. Counts the changes the agent
 * reports (one point per notification: no deadband).
 */
export async function run(options: CoapObserveOptions = {}): Promise<BenchResult> {
  const { devices = 300, warmupS = 10, measureS = 30 } = options;
  const offered = devices * NOTIFY_PER_S;
  const result = await runEdgeBench({
    profiles(dir) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'bench-coap-node.yaml'), stringify({
        profile: 'bench-coap-node', version: 1, protocol: 'coap', coap: { mode: 'observe', format: 'text' },
        points: [{ name: 'v', type: 'float64', coap: { path: '/v' } }],
      }));
    },
    scenario: { devices: [{ profile: 'bench-coap-node', count: devices, idPrefix: 'node', signals: { v: { kind: 'counter', start: 0, rate: 1000 } } }] },
    devices: (list) => list.map((d) => ({ ...d, interval: '1s' })),
    counters: ['afferent_agent_points_total'],
    warmupS,
    measureS,
  });
  const received = result.rates.afferent_agent_points_total!;
  return {
    suite: 'coap-observe',
    setup: `${devices} simulated CoAP nodes, one observed text resource each, changing continuously (≈ ${fmt.rate(offered, 'notifications/s')} offered); simulator, agent and hub as separate processes on loopback; ${warmupS} s warm-up, ${measureS} s measured`,
    rows: [
      { metric: 'notifications through the agent', value: fmt.rate(received, 'notifications/s'), target: `≈ ${fmt.rate(offered, '/s')} (all offered)`, met: received >= offered * 0.9 },
      { metric: 'agent CPU', value: fmt.pct(result.cpu.agent) + ' of one core' },
      { metric: 'agent RSS, now / peak', value: `${fmt.mb(result.agentMemory.rss)} / ${fmt.mb(result.agentMemory.peak)}` },
      { metric: 'agent backlog at the end', value: `${result.backlog} readings`, met: result.backlog < offered },
      { metric: 'CPU: hub / simulator', value: `${fmt.pct(result.cpu.hub)} / ${fmt.pct(result.cpu.simulator)} of one core` },
    ],
  };
}
