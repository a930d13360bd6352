import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runEdgeBench } from './stack/edge-bench.js';
import { BENCH_PROFILES } from './stack/stack.js';
import { fmt, type BenchResult } from './suite.js';

export interface ModbusFleetOptions {
  devices?: number;
  unitsPerPort?: number;
  warmupS?: number;
  measureS?: number;
}

const POINTS_PER_DEVICE = 20;

/**
 * A Modbus TCP fleet: 1,000 simulated meters of 20 float32 points, polled
 * every second by one agent, 10 units behind each port as behind serial
 * gateways. Points polled per second are polls completed × 20.
 */
export async function run(options: ModbusFleetOptions = {}): Promise<BenchResult> {
  const { devices = 1000, unitsPerPort = 10, warmupS = 10, measureS = 30 } = options;
  const offered = devices * POINTS_PER_DEVICE;
  const result = await runEdgeBench({
    profiles(dir) {
      mkdirSync(dir, { recursive: true });
      cpSync(join(BENCH_PROFILES, 'bench-meter.yaml'), join(dir, 'bench-meter.yaml'));
    },
    scenario: {
      devices: [{
        profile: 'bench-meter', count: devices, unitsPerPort, idPrefix: 'm',
        signals: Object.fromEntries(Array.from({ length: POINTS_PER_DEVICE }, (_, i) => [`p${String(i).padStart(2, '0')}`, { kind: 'sine', min: 0, max: 1000, period: `${7 + i}s` }])),
      }],
    },
    devices: (list) => list.map((d) => ({ ...d, interval: '1s' })),
    counters: ['afferent_agent_read_latency_seconds_count', 'afferent_agent_points_total'],
    warmupS,
    measureS,
  });
  const polled = result.rates.afferent_agent_read_latency_seconds_count! * POINTS_PER_DEVICE;
  return {
    suite: 'modbus-fleet',
    setup: `${devices.toLocaleString('en')} simulated Modbus TCP devices × ${POINTS_PER_DEVICE} float32 points every 1 s (${fmt.rate(offered, 'points/s')} offered), ${unitsPerPort} units per port (${Math.ceil(devices / unitsPerPort)} connections); simulator, agent and hub as separate processes on loopback; ${warmupS} s warm-up, ${measureS} s measured`,
    rows: [
      { metric: 'points polled', value: fmt.rate(polled, 'points/s'), target: `${fmt.rate(offered, 'points/s')} (every device every second)`, met: polled >= offered * 0.97 },
      { metric: 'points reported (changed)', value: fmt.rate(result.rates.afferent_agent_points_total!, 'points/s') },
      { metric: 'agent CPU', value: fmt.pct(result.cpu.agent) + ' of one core' },
      { metric: 'agent RSS, now / peak', value: `${fmt.mb(result.agentMemory.rss)} / ${fmt.mb(result.agentMemory.peak)}` },
      { metric: 'agent backlog at the end', value: `${result.backlog} readings`, met: result.backlog < devices * 10 },
      { metric: 'CPU: hub / simulator', value: `${fmt.pct(result.cpu.hub)} / ${fmt.pct(result.cpu.simulator)} of one core` },
    ],
  };
}
