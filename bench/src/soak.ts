import { memoryOf } from './stack/process-usage.js';
import { POINTS_PER_DEVICE, startBenchMeterStack } from './stack/bench-meter-stack.js';
import { fmt, type BenchResult } from './suite.js';

export interface SoakOptions {
  /** Default: SOAK_MINUTES, else 5. */
  minutes?: number;
  /** Seconds between RSS samples. */
  everyS?: number;
}

/** Growth of the fitted line over the second half above which memory is said to grow. */
export const GROWTH_LIMIT_MB_PER_MIN = 1;

interface Sample { minute: number; agent: number; hub: number }

/**
 * Soak: the pipeline at 20,000 points/s (100 devices × 20 points at 10 Hz)
 * for a set number of minutes, resident memory of the agent and the hub
 * sampled every few seconds. The first half lets caches, SQLite's page cache
 * and V8's heap settle; a least-squares line through the second half says
 * whether memory still grows. A leak of 1 MB/min is 1.4 GB a day: a gateway
 * would not last a week.
 */
export async function run(options: SoakOptions = {}): Promise<BenchResult> {
  const minutes = options.minutes ?? Number(process.env.SOAK_MINUTES ?? 5);
  if (!(minutes > 0 && minutes <= 24 * 60)) throw new Error(`SOAK_MINUTES: expected minutes between 0 and 1440, got ${process.env.SOAK_MINUTES}`);
  const everyS = options.everyS ?? 5;
  const stack = await startBenchMeterStack({ devices: 100, unitsPerPort: 10, intervalMs: 100 });
  const { hub, agent, pids, offered } = stack;
  try {
    const stored0 = await hub.metric('afferent_hub_points_ingested_total');
    const started = Date.now();
    const samples: Sample[] = [];
    const count = Math.round((minutes * 60) / everyS);
    for (let i = 0; i <= count; i++) {
      await new Promise((r) => setTimeout(r, Math.max(0, started + i * everyS * 1000 - Date.now())));
      const minute = (Date.now() - started) / 60_000;
      samples.push({ minute, agent: memoryOf(pids.agent).rss / 2 ** 20, hub: memoryOf(pids.hub).rss / 2 ** 20 });
      if (i % Math.round(60 / everyS) === 0) console.error(`soak: ${minute.toFixed(1)} min: agent ${mb(samples.at(-1)!.agent)}, hub ${mb(samples.at(-1)!.hub)}`);
    }
    const seconds = (Date.now() - started) / 1000;
    const stored = ((await hub.metric('afferent_hub_points_ingested_total')) - stored0) / seconds;
    const backlog = (await agent.health<{ backlog: { readings: number } }>()).backlog.readings;
    const secondHalf = samples.filter((s) => s.minute >= minutes / 2);
    const slope = { agent: leastSquaresSlope(secondHalf.map((s) => [s.minute, s.agent])), hub: leastSquaresSlope(secondHalf.map((s) => [s.minute, s.hub])) };
    const grows = (n: number) => n > GROWTH_LIMIT_MB_PER_MIN;
    return {
      suite: 'soak',
      setup: `${stack.devices} simulated Modbus TCP devices × ${POINTS_PER_DEVICE} float32 points every ${stack.intervalMs} ms (${fmt.rate(offered, 'points/s')} offered) for ${minutes} min; simulator, agent and hub as separate processes on loopback; RSS sampled every ${everyS} s, the trend fitted over the second half`,
      rows: [
        ...curve(samples, minutes).map((s) => ({ metric: `RSS at ${Math.round(s.minute)} min: agent / hub`, value: `${mb(s.agent)} / ${mb(s.hub)}` })),
        { metric: 'agent RSS trend, second half', value: `${signed(slope.agent)} MB/min`, target: `≤ ${GROWTH_LIMIT_MB_PER_MIN} MB/min`, met: !grows(slope.agent) },
        { metric: 'hub RSS trend, second half', value: `${signed(slope.hub)} MB/min`, target: `≤ ${GROWTH_LIMIT_MB_PER_MIN} MB/min`, met: !grows(slope.hub) },
        { metric: 'memory grows?', value: grows(slope.agent) || grows(slope.hub) ? `yes: ${[grows(slope.agent) && 'agent', grows(slope.hub) && 'hub'].filter(Boolean).join(', ')}` : 'no' },
        { metric: 'stored at the hub', value: fmt.rate(stored, 'points/s'), target: `${fmt.rate(offered, 'points/s')} (all offered)`, met: stored >= offered * 0.97 },
        { metric: 'agent backlog at the end', value: `${backlog} readings`, target: '≈ 0 (keeping up)', met: backlog < stack.devices * 10 },
      ],
    };
  } finally {
    await stack.stop();
  }
}

/** The sample nearest each whole minute. */
function curve(samples: readonly Sample[], minutes: number): Sample[] {
  return Array.from({ length: Math.floor(minutes) + 1 }, (_, m) =>
    samples.reduce((best, s) => (Math.abs(s.minute - m) < Math.abs(best.minute - m) ? s : best)));
}

/** Slope of the least-squares line through (x, y) points; 0 for fewer than two. */
export function leastSquaresSlope(points: readonly (readonly [number, number])[]): number {
  if (points.length < 2) return 0;
  const mean = (i: 0 | 1) => points.reduce((sum, p) => sum + p[i], 0) / points.length;
  const [mx, my] = [mean(0), mean(1)];
  const sxx = points.reduce((sum, [x]) => sum + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : points.reduce((sum, [x, y]) => sum + (x - mx) * (y - my), 0) / sxx;
}

const mb = (n: number) => `${n.toFixed(0)} MB`;
const signed = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(2)}`;
