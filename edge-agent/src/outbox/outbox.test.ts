import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../test-support/temp-dir.js';
import { IN_DOUBT_SHARE, Outbox, SEQ_SKIP_AFTER_CRASH, type OutboxOptions } from './outbox.js';

const dirs = tempDirs();
const open: Outbox[] = [];
afterEach(() => {
  for (const outbox of open.splice(0)) outbox.close();
  dirs.cleanup();
});

function openOutbox(dir = dirs.make(), options: Partial<OutboxOptions> = {}): Outbox {
  const outbox = new Outbox(dir, { maxBytes: 1 << 30, maxAgeMs: 7 * 86_400_000, ...options });
  open.push(outbox);
  return outbox;
}
const readings = (n: number, tag = 'x') => Array.from({ length: n }, (_, i) => ({ d: 'dev', t: i, v: { [tag]: i } }));

describe('outbox', () => {
  it('appends batches with increasing seqs and a stable epoch', () => {
    const outbox = openOutbox();
    expect(outbox.epoch).toMatch(/^[A-Za-z0-9_-]{8,}$/);
    expect([outbox.append('telemetry', readings(3)), outbox.append('telemetry', readings(2))]).toEqual([1, 2]);
    expect(outbox.stats()).toMatchObject({ batches: 2, readings: 5, dropped: 0 });
    expect(outbox.low()).toBe(1);
  });

  it('sends alarms first, then telemetry oldest first, skipping those in flight', () => {
    const outbox = openOutbox();
    outbox.append('telemetry', readings(1));
    outbox.append('telemetry', readings(1));
    outbox.append('alarms', [{ alarm: 'a' }]);
    outbox.append('telemetry', readings(1));
    expect(outbox.nextToSend(10).map((b) => `${b.kind}:${b.seq}`)).toEqual(['alarms:3', 'telemetry:1', 'telemetry:2', 'telemetry:4']);
    expect(outbox.nextToSend(2, new Set([3, 1])).map((b) => b.seq)).toEqual([2, 4]);
    expect(JSON.parse(outbox.nextToSend(1)[0]!.body)).toEqual([{ alarm: 'a' }]);
  });

  it('deletes acked batches, ignores unknown seqs, and moves low', () => {
    const outbox = openOutbox();
    for (let i = 0; i < 4; i++) outbox.append('telemetry', readings(10));
    expect(outbox.ack([1, 3, 99])).toBe(2);
    expect(outbox.low()).toBe(2);
    expect(outbox.stats()).toMatchObject({ batches: 2, readings: 20 });
    expect(outbox.ack([2, 4])).toBe(2);
    expect(outbox.low()).toBeUndefined();
    expect(outbox.stats()).toEqual({ batches: 0, readings: 0, bytes: 0, dropped: 0 });
  });

  it('over maxBytes drops the oldest telemetry, never alarms, and counts the readings', () => {
    const body = JSON.stringify(readings(10)).length;
    const outbox = openOutbox(undefined, { maxBytes: body * 3 });
    outbox.append('alarms', readings(10));
    outbox.append('telemetry', readings(10));
    outbox.append('telemetry', readings(10));
    expect(outbox.stats()).toMatchObject({ batches: 3, dropped: 0 });
    outbox.append('telemetry', readings(10));
    expect(outbox.nextToSend(10).map((b) => b.seq)).toEqual([1, 3, 4]);
    expect(outbox.stats()).toMatchObject({ batches: 3, readings: 30, bytes: body * 3, dropped: 10 });
    outbox.append('alarms', readings(10));
    outbox.append('alarms', readings(10));
    // Only alarms would be left to drop: they stay, over the limit.
    expect(outbox.nextToSend(10).map((b) => `${b.kind}:${b.seq}`)).toEqual(['alarms:1', 'alarms:5', 'alarms:6']);
    expect(outbox.stats()).toMatchObject({ batches: 3, dropped: 30 });
  });

  it('keeps a batch that was sent and not acked (the hub may have it) and drops the oldest unsent telemetry instead', () => {
    const body = JSON.stringify(readings(10)).length;
    const dir = dirs.make();
    const first = openOutbox(dir, { maxBytes: body * IN_DOUBT_SHARE * 2 });
    for (let i = 0; i < IN_DOUBT_SHARE * 2; i++) first.append('telemetry', readings(10));
    first.markSent([1]);
    // The mark is on disk: it holds for an agent that was killed and started again.
    const outbox = openOutbox(dir, { maxBytes: body * IN_DOUBT_SHARE * 2 });
    outbox.append('telemetry', readings(10));
    outbox.append('telemetry', readings(10));
    expect(outbox.next('telemetry', 3).map((b) => b.seq)).toEqual([1, 4, 5]);
    expect(outbox.stats().dropped).toBe(20);
  });

  it('keeps sent batches only up to their share of maxBytes: beyond it the oldest of them go too', () => {
    const body = JSON.stringify(readings(10)).length;
    const outbox = openOutbox(undefined, { maxBytes: body * IN_DOUBT_SHARE });
    for (let i = 0; i < IN_DOUBT_SHARE; i++) outbox.append('telemetry', readings(10));
    outbox.markSent([1, 2]);
    outbox.append('telemetry', readings(10));
    outbox.append('telemetry', readings(10));
    // One batch's worth of sent batches fits the share: seq 1 stays; seq 2, then the oldest unsent (3), go.
    expect(outbox.next('telemetry', 10).map((b) => b.seq)).toEqual([1, 4, 5, 6]);
    expect(outbox.stats().dropped).toBe(20);
  });

  it('opens an outbox made before batches were marked sent', () => {
    const dir = dirs.make();
    const old = new Database(join(dir, 'outbox.db'));
    old.exec(`CREATE TABLE batches (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, created INTEGER NOT NULL,
      readings INTEGER NOT NULL, bytes INTEGER NOT NULL, body TEXT NOT NULL);
      INSERT INTO batches (kind, created, readings, bytes, body) VALUES ('telemetry', 1, 1, 2, '[]')`);
    old.close();
    const outbox = openOutbox(dir);
    outbox.markSent([1]);
    expect(outbox.next('telemetry', 5).map((b) => b.seq)).toEqual([1]);
  });

  it('past maxAge drops old telemetry on append and on prune', () => {
    let now = 1_000_000;
    const outbox = openOutbox(undefined, { maxAgeMs: 1000, now: () => now });
    outbox.append('telemetry', readings(5));
    outbox.append('alarms', readings(1));
    now += 600;
    outbox.append('telemetry', readings(7));
    now += 600;
    outbox.append('telemetry', readings(2));
    expect(outbox.nextToSend(10).map((b) => b.seq)).toEqual([2, 3, 4]);
    expect(outbox.stats().dropped).toBe(5);
    now += 2000;
    expect(outbox.prune()).toBe(9);
    expect(outbox.stats()).toMatchObject({ batches: 1, readings: 1, dropped: 14, oldest: 1_000_000 });
  });

  it('survives reopening: same epoch, same batches, same dropped count, seqs continue', () => {
    const dir = dirs.make();
    const first = openOutbox(dir, { maxBytes: JSON.stringify(readings(4)).length });
    first.append('telemetry', readings(4));
    first.append('telemetry', readings(4));
    const { epoch } = first;
    first.close();
    const second = openOutbox(dir);
    expect(second.epoch).toBe(epoch);
    expect(second.stats()).toMatchObject({ batches: 1, readings: 4, dropped: 4 });
    expect(second.nextToSend(5).map((b) => b.seq)).toEqual([2]);
    expect(second.append('telemetry', readings(1))).toBe(3);
  });

  it('after an unclean shutdown, seqs jump so a lost commit can never reuse a seq the hub has seen', () => {
    const dir = dirs.make();
    const crashed = openOutbox(dir);
    crashed.append('telemetry', readings(1));
    // No close(): the next open finds the shutdown unclean.
    const reopened = openOutbox(dir);
    expect(reopened.epoch).toBe(crashed.epoch);
    expect(reopened.append('telemetry', readings(1))).toBe(2 + SEQ_SKIP_AFTER_CRASH);
  });

  it('counts readings lost before they reached it with the dropped ones, and keeps the count across a restart', () => {
    const dir = dirs.make();
    const first = openOutbox(dir);
    first.countLost(7);
    expect(first.stats().dropped).toBe(7);
    first.close();
    expect(openOutbox(dir).stats().dropped).toBe(7);
  });

  it('a new data folder gets a new epoch', () => {
    expect(openOutbox().epoch).not.toBe(openOutbox().epoch);
  });
});
