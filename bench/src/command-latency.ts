import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { followEvents } from '@afferent/cloud-hub';
import { startFieldStack, workDir, type FieldStack } from './stack/stack.js';

/**
 * Command latency: `node bench/dist/command-latency.js [sequential] [rounds] [devices]`.
 * API call → `succeeded` (written, read back, confirmed, recorded), as an
 * operator's client sees it: POST, then the outcome on the hub's event stream
 * (SSE). Deployed as in service, on loopback: the hub (`cloud-hub run`), the
 * agent (`edge-agent run`) and the Modbus TCP simulators (`afferent-sim run`)
 * each in a process of its own, this process the client; the agent polls every
 * device once a second meanwhile.
 *
 * - one at a time: `sequential` commands to one device, each sent when the last succeeded;
 * - concurrent: `rounds` × one command to each of `devices` devices at once.
 *   To that many devices and not to one: commands to one device run one after
 *   another by design, so a burst at one device measures its queue length (the
 *   last waits for the 99 before it), not the system. Each device is its own
 *   Modbus TCP server (its own connection), as Modbus TCP devices on a LAN are.
 */

const TARGET_P99_MS = 50;
const FINAL = ['succeeded', 'failed', 'rejected', 'expired', 'timed-out', 'cancelled'];

export interface LatencyFigures {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export interface CommandLatencyResult {
  suite: string;
  setup: string;
  rows: { metric: string; value: string; target?: string; met?: boolean }[];
  sequential: LatencyFigures;
  concurrent: LatencyFigures;
}

function figures(samples: number[]): LatencyFigures {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1)! };
}

/** Commands as an operator's client sends them; each resolves with its latency when the event stream says it succeeded. */
async function commander(api: string, token: string) {
  const outcomes = new Map<string, { status: string; error?: string; at: number }>();
  const waiting = new Map<string, (outcome: { status: string; error?: string; at: number }) => void>();
  const stream = await followEvents(`${api}/api/v1/events?types=command`, token, (event) => {
    const record = event.data as { id: string; status: string; error?: string };
    if (!FINAL.includes(record.status)) return;
    const outcome = { status: record.status, ...(record.error ? { error: record.error } : {}), at: performance.now() };
    // The stream can be read before the POST's answer: keep the outcome until it is asked for.
    const resolve = waiting.get(record.id);
    if (resolve) resolve(outcome);
    else outcomes.set(record.id, outcome);
  });
  let value = 0;
  const send = async (device: string): Promise<number> => {
    const started = performance.now();
    const posted = await fetch(`${api}/api/v1/devices/${device}/commands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      // A different value each time: every command is a real change at the device.
      body: JSON.stringify({ write: { temperature_correction: (value++ % 100) / 10 } }),
    });
    const { id } = (await posted.json()) as { id: string };
    if (posted.status !== 202) throw new Error(`POST answered ${posted.status}`);
    const outcome = outcomes.get(id) ?? await new Promise<{ status: string; error?: string; at: number }>((resolve) => waiting.set(id, resolve));
    outcomes.delete(id);
    waiting.delete(id);
    if (outcome.status !== 'succeeded') throw new Error(`command ${id} ${outcome.status}: ${outcome.error}`);
    return outcome.at - started;
  };
  return { send, close: () => stream.close() };
}

export async function run(sequential = 200, rounds = 5, deviceCount = 100): Promise<CommandLatencyResult> {
  const work = workDir('afferent-bench-cmd-');
  let field: FieldStack | undefined;
  let client: Awaited<ReturnType<typeof commander>> | undefined;
  try {
    field = await startFieldStack(work.dir, {
      profileDirs: [],
      // One device per port: Modbus TCP devices on a LAN each have their own address and connection.
      scenario: { devices: [{ profile: 'xy-md02', count: deviceCount, unitsPerPort: 1, idPrefix: 'th' }] },
      devices: (fromSimulator) => fromSimulator.map((d) => ({ ...d, interval: '1s' })),
    });
    const { hub } = field;
    const devices = field.sim.devices as { id: string }[];

    const api = hub.apiUrl;
    client = await commander(api, hub.token);
    const ids = devices.map((d) => d.id);
    // Until the gateway has connected and sent its inventory, a write is refused: warm up through that.
    for (let tries = 0; ; tries++) {
      if ((await hub.api(`/api/v1/devices/${ids.at(-1)}`)).status === 200) break;
      if (tries > 400) throw new Error('the agent\'s devices never reached the hub');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (let i = 0; i < 20; i++) await client.send(ids[0]!);

    const one: number[] = [];
    for (let i = 0; i < sequential; i++) one.push(await client.send(ids[0]!));
    const burst: number[] = [];
    for (let round = 0; round < rounds; round++) burst.push(...(await Promise.all(ids.map((id) => client!.send(id)))));

    const a = figures(one);
    const b = figures(burst);
    const ms = (n: number) => `${n.toFixed(1)} ms`;
    return {
      suite: 'command-latency',
      setup: `API call → succeeded on the event stream (written, read back, recorded); hub, agent and ${deviceCount} Modbus TCP simulators (XY-MD02, holding register, one port each) in their own processes, loopback, devices polled every 1 s`,
      rows: [
        { metric: `one at a time, p50 (n=${a.n})`, value: ms(a.p50) },
        { metric: `one at a time, p99 (n=${a.n})`, value: ms(a.p99), target: `≤ ${TARGET_P99_MS} ms`, met: a.p99 <= TARGET_P99_MS },
        { metric: `${deviceCount} concurrent to ${deviceCount} devices, p50 (n=${b.n})`, value: ms(b.p50) },
        { metric: `${deviceCount} concurrent to ${deviceCount} devices, p99 (n=${b.n})`, value: ms(b.p99), target: `≤ ${TARGET_P99_MS} ms`, met: b.p99 <= TARGET_P99_MS },
      ],
      sequential: a,
      concurrent: b,
    };
  } finally {
    client?.close();
    await field?.stop();
    work.cleanup();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [sequential, rounds, devices] = process.argv.slice(2).map(Number);
  const result = await run(sequential || undefined, rounds || undefined, devices || undefined);
  console.log(`${result.setup}\n`);
  for (const row of result.rows) console.log(`${row.metric.padEnd(44)} ${row.value.padStart(9)}${row.target ? `   target ${row.target}: ${row.met ? 'met' : 'NOT met'}` : ''}`);
}
