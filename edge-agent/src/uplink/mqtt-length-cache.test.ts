import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runNodeProgram } from '@afferent/testkit';

/**
 * Buffer-pool memory pinned by mqtt-packet's length cache, measured in a
 * fresh process (`--expose-gc`, the compiled agent): packets of 2,000 new
 * lengths, each after other small allocations, as telemetry batches of new
 * sizes arrive between polls. What stays after a full GC is what the cache pins.
 * Array buffers are swept synchronously: V8 sweeps them on a helper thread by
 * default, and on a loaded machine the count read just after gc() still held
 * megabytes already unreachable (2 runs in 20 under load, and once in CI).
 */
const PROBE = `
const [module, fill] = process.argv.slice(1);
const { fillMqttLengthCache } = await import(module);
const { createRequire } = await import('node:module');
const mqttPacket = createRequire(createRequire(module).resolve('mqtt'))('mqtt-packet');
if (fill === 'fill') fillMqttLengthCache();
const sink = { write: () => true };
const payload = Buffer.alloc(16384);
const kept = [];
gc();
const before = process.memoryUsage().arrayBuffers;
for (let i = 0; i < 2000; i++) {
  for (let j = 0; j < 40; j++) kept.push(Buffer.allocUnsafe(200));
  kept.length = 0;
  mqttPacket.writeToStream({ cmd: 'publish', topic: 'a', payload: payload.subarray(0, 2000 + i * 5), qos: 0, retain: false, dup: false }, sink);
}
gc();
console.log(process.memoryUsage().arrayBuffers - before);
`;

async function pinnedBytes(fill: boolean): Promise<number> {
  const module = pathToFileURL(join(import.meta.dirname, '../../dist/uplink/mqtt-length-cache.js')).href;
  const run = await runNodeProgram('--expose-gc', ['--no-concurrent-array-buffer-sweeping', '--input-type=module', '-e', PROBE, module, fill ? 'fill' : 'none']);
  if (run.code !== 0) throw new Error(run.stderr);
  return Number(run.stdout);
}

describe('fillMqttLengthCache', () => {
  it('leaves nothing for later packets of new lengths to pin; without it, each pins a pool block', async () => {
    expect(await pinnedBytes(true)).toBeLessThan(256 * 1024);
    expect(await pinnedBytes(false)).toBeGreaterThan(8 * 1024 * 1024);
  });
});
