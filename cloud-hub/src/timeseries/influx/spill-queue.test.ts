import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openTimeseriesDatabase } from '../local-database.js';
import { sliceChunk, SpillQueue } from './spill-queue.js';

describe('spill queue', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  function open(maxBytes = 1000) {
    const dir = mkdtempSync(join(tmpdir(), 'afferent-spill-'));
    dirs.push(dir);
    const path = join(dir, 'timeseries.db');
    const db = openTimeseriesDatabase(path);
    return { db, queue: new SpillQueue(db, maxBytes), path };
  }
  const lines = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ line: `m,device=d x=${from + i} ${from + i}`, points: 1 }));

  it('claims in id order by lines and bytes, removes what was confirmed, and counts rows, points, bytes and age', () => {
    const { db, queue } = open(10_000);
    db.transaction(() => queue.enqueue(lines(5), 1000))();
    expect(queue.read()).toEqual({ rows: 5, points: 5, bytes: 5 * 'm,device=d x=0 0'.length, oldest: 1000 });
    const first = queue.claim(0, 2, 1000)!;
    expect(first.ids).toEqual([1, 2]);
    expect(queue.claim(2, 10, 20)!.lines).toEqual(['m,device=d x=2 2']); // a second line would pass 20 bytes
    queue.remove(first);
    expect(queue.read().rows).toBe(3);
    expect(queue.countAfter(2)).toBe(3);
    db.close();
  });

  it('sets a refused line aside, keeps its id range, and never reuses ids', () => {
    const { db, queue } = open();
    db.transaction(() => queue.enqueue(lines(3), 1))();
    const chunk = queue.claim(0, 3, 1000)!;
    queue.reject(sliceChunk(chunk, 1, 2), 400, 'bad line', 2);
    queue.remove(sliceChunk(chunk, 0, 1));
    queue.remove(sliceChunk(chunk, 2, 3));
    expect(db.prepare('SELECT id, status, error FROM spill_rejected').all()).toEqual([{ id: 2, status: 400, error: 'bad line' }]);
    db.transaction(() => queue.enqueue(lines(1), 3))();
    expect(queue.claim(0, 10, 1000)!.ids).toEqual([4]);
    db.close();
  });

  it('is full at its byte bound, survives a restart, and recounts after a rollback', () => {
    const { db, queue, path } = open(40); // three 16-byte lines
    db.transaction(() => queue.enqueue(lines(3), 1))();
    expect(queue.full).toBe(true);
    expect(() => db.transaction(() => {
      queue.enqueue(lines(2, 10), 2);
      throw new Error('ingest failed');
    })()).toThrow('ingest failed');
    queue.recount();
    expect(queue.read().rows).toBe(3);
    db.close();
    const again = openTimeseriesDatabase(path);
    expect(new SpillQueue(again, 40).read()).toMatchObject({ rows: 3, points: 3 });
    again.close();
  });
});
