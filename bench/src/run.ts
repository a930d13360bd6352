import type { BenchResult } from './suite.js';

/**
 * `npm run bench [-- suite …]`: runs the named suites (default: the quick
 * ones) one after another and prints one table. Numbers depend on the
 * machine: read them as ratios and against the targets, not as absolutes.
 */
const SUITES: Record<string, () => Promise<BenchResult>> = {
  pipeline: async () => (await import('./pipeline.js')).run(),
  'hub-ingest': async () => (await import('./hub-ingest.js')).run(),
  timeseries: async () => (await import('./timeseries.js')).run(),
  'command-latency': async () => (await import('./command-latency.js')).run(),
  'opcua-items': async () => (await import('./opcua-items.js')).run(),
  'coap-observe': async () => (await import('./coap-observe.js')).run(),
  'modbus-fleet': async () => (await import('./modbus-fleet.js')).run(),
  // Bounded by SOAK_MINUTES (default 5).
  soak: async () => (await import('./soak.js')).run(),
  'rtu-polls': async () => (await import('./rtu-polls.js')).run(),
  'outage-memory': async () => (await import('./outage-memory.js')).run(),
  'alarm-latency': async () => {
    const { run, asBenchResult } = await import('./alarm-latency.js');
    return asBenchResult(await run());
  },
};
const DEFAULT_SUITES = ['pipeline', 'hub-ingest'];

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !SUITES[name]);
if (unknown.length > 0) {
  console.error(`unknown suite: ${unknown.join(', ')}; known: ${Object.keys(SUITES).join(', ')}`);
  process.exit(2);
}

const results: BenchResult[] = [];
for (const name of asked.length > 0 ? asked : DEFAULT_SUITES) {
  console.error(`running ${name}…`);
  results.push(await SUITES[name]!());
}

const lines: string[] = [];
for (const result of results) {
  lines.push(`\n## ${result.suite}\n${result.setup}\n`, '| metric | value | target | met |', '|---|---|---|---|');
  for (const row of result.rows) lines.push(`| ${row.metric} | ${row.value} | ${row.target ?? ''} | ${row.met === undefined ? '' : row.met ? 'yes' : 'NO'} |`);
}
console.log(lines.join('\n'));
