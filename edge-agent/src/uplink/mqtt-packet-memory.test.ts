import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runNodeProgram } from '@afferent/testkit';

/**
 * What mqtt-packet's caches hold, measured in a fresh process (`--expose-gc`,
 * the compiled agent): QoS 1 packets of 2,000 new lengths, each after other
 * small allocations, as telemetry batches of new sizes arrive between polls.
 * After a full GC, the buffer-pool memory left is what the length cache pins,
 * and the heap grown is mostly the caches' Buffer objects.
 * Array buffers are swept synchronously: V8 sweeps them on a helper thread by
 * default, and on a loaded machine the count read just after gc() still held
 * megabytes already unreachable (2 runs in 20 under load, and once in CI).
 */
const PROBE = `
const [module, settle] = process.argv.slice(1);
const { settleMqttPacketMemory } = await import(module);
const { createRequire } = await import('node:module');
const mqttPacket = createRequire(module)('mqtt-packet');
gc();
const start = process.memoryUsage();
if (settle === 'settle') settleMqttPacketMemory();
const sink = { write: () => true };
const payload = Buffer.alloc(16384);
const kept = [];
gc();
const before = process.memoryUsage().arrayBuffers;
for (let i = 0; i < 2000; i++) {
  for (let j = 0; j < 40; j++) kept.push(Buffer.allocUnsafe(200));
  kept.length = 0;
  mqttPacket.writeToStream({ cmd: 'publish', topic: 'a', messageId: 1 + i, payload: payload.subarray(0, 2000 + i * 5), qos: 1, retain: false, dup: false }, sink);
}
gc();
const end = process.memoryUsage();
console.log(JSON.stringify({ pinned: end.arrayBuffers - before, heap: end.heapUsed - start.heapUsed }));
`;

async function measure(settle: boolean): Promise<{ pinned: number; heap: number }> {
  const module = pathToFileURL(join(import.meta.dirname, '../../dist/uplink/mqtt-packet-memory.js')).href;
  const run = await runNodeProgram('--expose-gc', ['--no-concurrent-array-buffer-sweeping', '--input-type=module', '-e', PROBE, module, settle ? 'settle' : 'none']);
  if (run.code !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as { pinned: number; heap: number };
}

describe('settleMqttPacketMemory', () => {
  it('leaves nothing for later packets of new lengths to pin, and no number cache; without it, each pins a pool block and numbers take megabytes', async () => {
    const settled = await measure(true);
    const untouched = await measure(false);
    expect(settled.pinned).toBeLessThan(256 * 1024);
    expect(untouched.pinned).toBeGreaterThan(8 * 1024 * 1024);
    expect(untouched.heap - settled.heap).toBeGreaterThan(4 * 1024 * 1024);
  });
});
