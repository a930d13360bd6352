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
  // 60 s measured: the hub's sample-age summary covers the last minute, so the warm-up falls out of it.
  const { unitsPerPort = 10, warmupS = 10, measureS = 60 } = options;
  const stack = await startBenchMeterStack({ ...options, unitsPerPort });
  const { hub, agent, pids, devices, intervalMs, offered } = stack;
  try {
    await new Promise((r) => setTimeout(r, warmupS * 1000));
    const cpu0 = { agent: cpuSecondsOf(pids.agent), hub: cpuSecondsOf(pids.hub), sim: cpuSecondsOf(pids.sim) };
    const stored0 = (await hub.scrape())('afferent_hub_points_ingested_total');
    await agent.scrape(); // event-loop figures count from here
    const started = Date.now();
    await new Promise((r) => setTimeout(r, measureS * 1000));
    const seconds = (Date.now() - started) / 1000;
    const [hubEnd, agentEnd] = [await hub.scrape(), await agent.scrape()];
    const stored = (hubEnd('afferent_hub_points_ingested_total') - stored0) / seconds;
    const cpu = (name: keyof typeof pids) => ((cpuSecondsOf(pids[name]) - cpu0[name]) / seconds) * 100;
    const p50 = hubEnd('afferent_hub_sample_age_seconds', { quantile: '0.5' }) * 1000;
    const p99 = hubEnd('afferent_hub_sample_age_seconds', { quantile: '0.99' }) * 1000;
    const backlog = (await agent.health<{ backlog: { readings: number } }>()).backlog.readings;
    // Where a latency tail comes from: a process whose event loop stalls delays everything behind it.
    const hubLoopP99 = hubEnd('afferent_hub_nodejs_eventloop_lag_p99_seconds') * 1000;
    const agentLoopP99 = agentEnd('afferent_agent_nodejs_eventloop_lag_p99_seconds') * 1000;
    const memory = { agent: memoryOf(pids.agent), hub: memoryOf(pids.hub) };
    return {
      suite: 'pipeline',
      setup: `${devices} simulated Modbus TCP devices × ${POINTS_PER_DEVICE} float32 points every ${intervalMs} ms (${fmt.rate(offered, 'points/s')} offered), ${unitsPerPort} units per port; simulator, agent and hub as separate processes on loopback; ${warmupS} s warm-up, ${measureS} s measured`,
      rows: [
        { metric: 'stored at the hub', value: fmt.rate(stored, 'points/s'), target: `${fmt.rate(offered, 'points/s')} (all offered)`, met: stored >= offered * 0.97 },
        { metric: 'sample → stored, p50', value: fmt.ms(p50) },
        { metric: 'sample → stored, p99', value: fmt.ms(p99), target: '≤ 50 ms', met: p99 <= 50 },
        { metric: 'event-loop delay p99 while measured: agent / hub', value: `${fmt.ms(agentLoopP99)} / ${fmt.ms(hubLoopP99)}` },
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
