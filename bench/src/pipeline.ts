import { cpuSecondsOf, memoryOf } from './stack/process-usage.js';
import { POINTS_PER_DEVICE, startBenchMeterStack, type BenchMeterStackOptions } from './stack/bench-meter-stack.js';
import { fmt, type BenchResult } from './suite.js';

export interface PipelineOptions extends BenchMeterStackOptions {
  warmupS?: number;
  measureS?: number;
}

/**
 * The whole edge pipeline with real processes: simulated Modbus devices →
 * agent (poll, normalise, outbox, uplink) → hub (ingest, store, ack).
 * Throughput is the hub's stored points per second; latency is the hub's
 * sample-age summary (sample time at the edge → commit at the hub).
 */
export async function run(options: PipelineOptions = {}): Promise<BenchResult> {
  const { unitsPerPort = 10, warmupS = 10, measureS = 30 } = options;
  const stack = await startBenchMeterStack({ ...options, unitsPerPort });
  const { hub, agent, pids, devices, intervalMs, offered } = stack;
  try {
    await new Promise((r) => setTimeout(r, warmupS * 1000));
    const cpu0 = { agent: cpuSecondsOf(pids.agent), hub: cpuSecondsOf(pids.hub), sim: cpuSecondsOf(pids.sim) };
    const stored0 = await hub.metric('afferent_hub_points_ingested_total');
    const started = Date.now();
    await new Promise((r) => setTimeout(r, measureS * 1000));
    const seconds = (Date.now() - started) / 1000;
    const stored = ((await hub.metric('afferent_hub_points_ingested_total')) - stored0) / seconds;
    const cpu = (name: keyof typeof pids) => ((cpuSecondsOf(pids[name]) - cpu0[name]) / seconds) * 100;
    const p50 = (await hub.metric('afferent_hub_sample_age_seconds', { quantile: '0.5' })) * 1000;
    const p99 = (await hub.metric('afferent_hub_sample_age_seconds', { quantile: '0.99' })) * 1000;
    const backlog = (await agent.health<{ backlog: { readings: number } }>()).backlog.readings;
    const memory = { agent: memoryOf(pids.agent), hub: memoryOf(pids.hub) };
    return {
      suite: 'pipeline',
      setup: `${devices} simulated Modbus TCP devices × ${POINTS_PER_DEVICE} float32 points every ${intervalMs} ms (${fmt.rate(offered, 'points/s')} offered), ${unitsPerPort} units per port; simulator, agent and hub as separate processes on loopback; ${warmupS} s warm-up, ${measureS} s measured`,
      rows: [
        { metric: 'stored at the hub', value: fmt.rate(stored, 'points/s'), target: `${fmt.rate(offered, 'points/s')} (all offered)`, met: stored >= offered * 0.97 },
        { metric: 'sample → stored, p50', value: fmt.ms(p50) },
        { metric: 'sample → stored, p99', value: fmt.ms(p99), target: '≤ 50 ms', met: p99 <= 50 },
        { metric: 'agent backlog at the end', value: `${backlog} readings`, target: '≈ 0 (keeping up)', met: backlog < devices * 10 },
        { metric: `agent RSS (${devices} devices), now / peak`, value: `${fmt.mb(memory.agent.rss)} / ${fmt.mb(memory.agent.peak)}`, target: '≤ 80 MB', met: memory.agent.peak <= 80 * 2 ** 20 },
        { metric: 'hub RSS, now / peak', value: `${fmt.mb(memory.hub.rss)} / ${fmt.mb(memory.hub.peak)}` },
        { metric: 'CPU: agent / hub / simulator', value: `${fmt.pct(cpu('agent'))} / ${fmt.pct(cpu('hub'))} / ${fmt.pct(cpu('sim'))} of one core` },
      ],
    };
  } finally {
    await stack.stop();
  }
}
