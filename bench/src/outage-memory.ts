import { memoryOf } from './stack/process-usage.js';
import { startBenchMeterStack } from './stack/bench-meter-stack.js';
import { fmt, type BenchResult } from './suite.js';

/**
 * The agent's memory while the hub is unreachable: the pipeline's 100
 * devices at 20k points/s, then the hub SIGKILLed, the backlog growing on
 * disk for `outageS`. A gateway's RAM must not fill with what belongs on its
 * disk: the outbox's SQLite page cache, for one, fills with the growing
 * backlog unless bounded (105 MB after 45 s before it was).
 */
export async function run(outageS = 90): Promise<BenchResult> {
  const stack = await startBenchMeterStack({ unitsPerPort: 10 });
  try {
    await new Promise((r) => setTimeout(r, 15_000));
    const before = memoryOf(stack.pids.agent).rss;
    process.kill(stack.pids.hub, 'SIGKILL');
    let highest = before;
    for (let s = 0; s < outageS; s++) {
      await new Promise((r) => setTimeout(r, 1000));
      highest = Math.max(highest, memoryOf(stack.pids.agent).rss);
    }
    const after = memoryOf(stack.pids.agent).rss;
    const { backlog } = await stack.agent.health<{ backlog: { readings: number } }>();
    const growth = highest - before;
    return {
      suite: 'outage-memory',
      setup: `${stack.devices} simulated Modbus TCP devices, ${fmt.rate(stack.offered, 'points/s')} offered; after 15 s the hub is SIGKILLed and the agent buffers for ${outageS} s`,
      rows: [
        { metric: 'backlog at the end of the outage', value: `${backlog.readings.toLocaleString('en')} readings` },
        { metric: 'agent RSS before / at the end / highest during the outage', value: `${fmt.mb(before)} / ${fmt.mb(after)} / ${fmt.mb(highest)}` },
        { metric: 'growth during the outage (highest − before)', value: fmt.mb(growth) },
      ],
    };
  } finally {
    await stack.stop().catch(() => undefined);
  }
}
