import { afterEach, describe, expect, it } from 'vitest';
import { encodeWire } from '@afferent/device-profiles';
import { Outbox } from '../outbox/outbox.js';
import { tempDirs } from '../test-support/temp-dir.js';
import { BackfillBudget } from './backfill-budget.js';
import { BatchSender } from './batch-sender.js';

const dirs = tempDirs();
const opened: Outbox[] = [];
afterEach(() => {
  for (const outbox of opened.splice(0)) outbox.close();
  dirs.cleanup();
});

const readings = (n: number) => Array.from({ length: n }, (_, i) => ({ d: 'dev', t: i, v: { x: i } }));

describe('backfill budget', () => {
  it('lets one batch through per refill at the configured rate', () => {
    let now = 0;
    const budget = new BackfillBudget(100, () => now);
    expect(budget.take(100)).toBe(true);
    expect(budget.take(1)).toBe(false);
    expect(budget.waitMs()).toBe(1); // any positive balance will do
    now = 500;
    expect(budget.take(40)).toBe(true); // 50 refilled
    expect(budget.take(40)).toBe(true); // a positive balance pays for any one batch
    expect(budget.take(1)).toBe(false);
    expect(new BackfillBudget(undefined).take(1e9)).toBe(true);
  });
});

describe('batch sender', () => {
  it('after an outage sends live data at once and the backlog at the backfill rate', () => {
    let now = 0;
    const outbox = new Outbox(dirs.make(), { maxBytes: 1 << 30, maxAgeMs: 86_400_000, now: () => now });
    opened.push(outbox);
    for (let i = 0; i < 5; i++) outbox.append('telemetry', readings(100)); // stored while the link was down: seqs 1–5
    const sent: number[] = [];
    const sender = new BatchSender(outbox, { gatewayId: 'gw', inflight: 10, ackTimeoutMs: 60_000, backfillRate: 100, now: () => now });
    sender.online((_topic, payload) => sent.push((JSON.parse(payload.toString()) as { seq: number }).seq));
    expect(sent).toEqual([1]); // one backlog batch: the budget is spent

    outbox.append('telemetry', readings(100)); // live: seq 6
    outbox.append('alarms', [{ d: 'dev', alarm: 'a', t: 1, state: 'raised', severity: 'major' }]); // seq 7
    sender.pump();
    expect(sent).toEqual([1, 7, 6]); // alarms, then live, and no more backlog yet

    now = 1000;
    sender.pump();
    expect(sent).toEqual([1, 7, 6, 2]);
    sender.handleAck(encodeWire('ack', { epoch: outbox.epoch, seqs: [1, 2, 6, 7] }));
    now = 2000;
    sender.pump();
    expect(sent).toEqual([1, 7, 6, 2, 3]);
    sender.offline();
  });

  it('a batch in flight when the link drops is kept by the outbox policy: the hub may have stored it', () => {
    const body = JSON.stringify(readings(10)).length;
    const outbox = new Outbox(dirs.make(), { maxBytes: body * 4, maxAgeMs: 86_400_000 });
    opened.push(outbox);
    outbox.append('telemetry', readings(10));
    const sender = new BatchSender(outbox, { gatewayId: 'gw', inflight: 10, ackTimeoutMs: 60_000 });
    sender.online(() => undefined);
    sender.offline();
    for (let i = 0; i < 4; i++) outbox.append('telemetry', readings(10));
    expect(outbox.next('telemetry', 10).map((b) => b.seq)).toEqual([1, 3, 4, 5]);
    expect(outbox.stats().dropped).toBe(10);
  });
});
