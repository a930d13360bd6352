import { afterEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../test-support/temp-dir.js';
import { waitFor } from '@afferent/testkit';
import { Batcher } from './batcher.js';
import { Outbox } from './outbox.js';

const dirs = tempDirs();
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  dirs.cleanup();
});

function setup(maxItems: number, lingerMs: number) {
  const outbox = new Outbox(dirs.make(), { maxBytes: 1 << 30, maxAgeMs: 86_400_000 });
  const stored: [number, number][] = [];
  const batcher = new Batcher<{ n: number }>(outbox, 'telemetry', { maxItems, lingerMs }, { stored: (seq, n) => stored.push([seq, n]) });
  cleanups.push(() => {
    batcher.close();
    outbox.close();
  });
  return { outbox, batcher, stored };
}

const bodies = (outbox: Outbox) => outbox.nextToSend(100).map((b) => (JSON.parse(b.body) as { n: number }[]).map((r) => r.n));

describe('batcher', () => {
  it('closes a batch at maxItems, at once', () => {
    const { outbox, batcher, stored } = setup(3, 60_000);
    for (let n = 0; n < 7; n++) batcher.add({ n });
    expect(stored).toEqual([[1, 3], [2, 3]]);
    expect(bodies(outbox)).toEqual([[0, 1, 2], [3, 4, 5]]);
  });

  it('closes a partial batch after the linger time', async () => {
    const { outbox, batcher, stored } = setup(100, 10);
    batcher.add({ n: 1 });
    batcher.add({ n: 2 });
    await waitFor('the lingering batch', () => stored.length === 1);
    expect(bodies(outbox)).toEqual([[1, 2]]);
  });

  it('flushes what is pending on close and then refuses items', () => {
    const { outbox, batcher } = setup(100, 60_000);
    batcher.add({ n: 9 });
    batcher.close();
    expect(bodies(outbox)).toEqual([[9]]);
    expect(() => batcher.add({ n: 10 })).toThrow(/closed/);
  });

  it('keeps items in memory while the outbox refuses writes, and stores them when it works again', () => {
    const { outbox } = setup(2, 60_000);
    let broken = true;
    const failures: unknown[] = [];
    const sink = {
      append: (...args: Parameters<Outbox['append']>) => {
        if (broken) throw new Error('SQLITE_FULL: database or disk is full');
        return outbox.append(...args);
      },
      countLost: (n: number) => outbox.countLost(n),
    };
    const batcher = new Batcher<{ n: number }>(sink, 'telemetry', { maxItems: 2, lingerMs: 60_000 }, { failed: (e) => failures.push(e) });
    batcher.add({ n: 1 });
    batcher.add({ n: 2 });
    batcher.add({ n: 3 });
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(bodies(outbox)).toEqual([]);
    broken = false;
    batcher.close();
    expect(bodies(outbox)).toEqual([[1, 2], [3]]);
    expect(batcher.lost).toBe(0);
  });

  it('beyond what it may hold, loses the oldest items and counts them in the outbox\'s dropped, which status and metrics show', () => {
    const { outbox } = setup(2, 60_000);
    const sink = {
      append: () => {
        throw new Error('SQLITE_FULL: database or disk is full');
      },
      countLost: (n: number) => outbox.countLost(n),
    };
    const batcher = new Batcher<{ n: number }>(sink, 'telemetry', { maxItems: 2, lingerMs: 60_000 });
    cleanups.push(() => batcher.close());
    // It holds 100 batches' worth (200 items here): 205 items lose the oldest 5.
    for (let n = 0; n < 205; n++) batcher.add({ n });
    expect(batcher.lost).toBe(5);
    expect(outbox.stats().dropped).toBe(5);
  });
});
