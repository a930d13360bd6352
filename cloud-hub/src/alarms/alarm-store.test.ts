import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AutomaticTransition } from './alarm-lifecycle.js';
import { AlarmStore, type Applied } from './alarm-store.js';

const stores: AlarmStore[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function open(path = ':memory:'): AlarmStore {
  const store = new AlarmStore(path);
  stores.push(store);
  return store;
}

/** A transition of meter-1's overvoltage at edge time t (hub time is t + 1 s: the hub's clock is never the edge's). */
function edge(store: AlarmStore, state: AutomaticTransition['state'], t: number, voltage = 255) {
  const result = store.applyAutomatic({
    device: 'meter-1', gateway: 'gw-1', tenant: 'default', alarm: 'overvoltage', state, t, severity: 'major',
    message: `Voltage ${voltage} V`, values: { voltage }, source: 'edge', by: 'gw-1',
  }, t + 1000);
  return result;
}
const applied = (result: ReturnType<AlarmStore['applyAutomatic']> | ReturnType<AlarmStore['operate']>) => {
  if (typeof result === 'string') throw new Error(`expected a stored transition, got ${result}`);
  return result as Applied;
};
const events = (store: AlarmStore, id: number) => store.history(id).map((e) => `${e.event}@${e.t}${e.changed ? '' : ' (history only)'}`);

describe('alarm record lifecycle', () => {
  it('raise opens a record; clear closes the condition, keeping the values at raise and at clear', () => {
    const store = open();
    const raised = applied(edge(store, 'raised', 100, 256));
    expect(raised.record).toMatchObject({
      device: 'meter-1', gateway: 'gw-1', alarm: 'overvoltage', severity: 'major', message: 'Voltage 256 V',
      active: true, acknowledged: false, firstRaised: 100, lastRaised: 100, raiseCount: 1, raisedValues: { voltage: 256 },
      clearedAt: null, updated: 1100,
    });
    const cleared = applied(edge(store, 'cleared', 200, 247));
    expect(cleared.record).toMatchObject({ id: raised.record.id, active: false, acknowledged: false, clearedAt: 200, clearedValues: { voltage: 247 }, clearedBy: null });
    expect(cleared.entry).toMatchObject({ event: 'cleared', source: 'edge', t: 200, received: 1200, by: 'gw-1', changed: true });
    expect(events(store, raised.record.id)).toEqual(['raised@100', 'cleared@200']);
  });

  it('re-raise: the same record while unacknowledged (count + 1), a new record once cleared and acknowledged', () => {
    const store = open();
    const first = applied(edge(store, 'raised', 100)).record;
    edge(store, 'cleared', 200);
    const again = applied(edge(store, 'raised', 300, 258)).record;
    expect(again).toMatchObject({ id: first.id, active: true, raiseCount: 2, firstRaised: 100, lastRaised: 300, raisedValues: { voltage: 258 }, clearedAt: null });

    expect(applied(store.operate(first.id, 'ack', 'alice', 'on it', 350)).record).toMatchObject({ acknowledged: true, ackedAt: 350, ackedBy: 'alice' });
    // Raised again while active (its clear still on the way, or the agent lost its state): counted, and news again.
    expect(applied(edge(store, 'raised', 400)).record).toMatchObject({ id: first.id, raiseCount: 3, acknowledged: false, ackedBy: null });
    applied(store.operate(first.id, 'ack', 'alice', null, 450));
    applied(edge(store, 'cleared', 500));
    expect(store.get(first.id)).toMatchObject({ active: false, acknowledged: true });

    const next = applied(edge(store, 'raised', 600)).record;
    expect(next.id).not.toBe(first.id);
    expect(next).toMatchObject({ raiseCount: 1, firstRaised: 600 });
    expect(events(store, first.id)).toEqual(['raised@100', 'cleared@200', 'raised@300', 'acked@350', 'raised@400', 'acked@450', 'cleared@500']);
  });

  it('drops an exact replay of a transition, whatever batch it comes in', () => {
    const store = open();
    const { record } = applied(edge(store, 'raised', 100));
    expect(edge(store, 'raised', 100)).toBe('replay');
    applied(edge(store, 'cleared', 200));
    expect(edge(store, 'cleared', 200)).toBe('replay');
    expect(edge(store, 'raised', 100)).toBe('replay');
    expect(store.get(record.id)).toMatchObject({ raiseCount: 1, active: false });
    expect(events(store, record.id)).toEqual(['raised@100', 'cleared@200']);
  });

  it('ack: who, when and why; refused when already acknowledged; an ack from the edge counts too', () => {
    const store = open();
    const { record } = applied(edge(store, 'raised', 100));
    const acked = applied(store.operate(record.id, 'ack', 'alice', 'checked the feeder', 5000));
    expect(acked.entry).toMatchObject({ event: 'acked', source: 'operator', t: 5000, by: 'alice', comment: 'checked the feeder', changed: true });
    expect(store.operate(record.id, 'ack', 'bob', null, 6000)).toBe('already_acknowledged');
    expect(store.operate(999, 'ack', 'bob', null, 6000)).toBe('not_found');

    const again = applied(edge(store, 'raised', 700)).record; // a re-raise: unacknowledged again
    expect(applied(edge(store, 'acked', 800)).record).toMatchObject({ id: again.id, acknowledged: true, ackedBy: 'gw-1', ackedAt: 800 });
    expect(store.applyAutomatic({ ...transition('acked', 50), device: 'meter-9' })).toBe('nothing_to_ack');
  });

  it('manual clear: the edge\'s own clear joins the history; its next raise reopens or opens a record', () => {
    const store = open();
    const { record } = applied(edge(store, 'raised', 100));
    const cleared = applied(store.operate(record.id, 'clear', 'alice', 'sensor replaced', 5000));
    expect(cleared.record).toMatchObject({ active: false, clearedAt: 5000, clearedBy: 'alice', clearedValues: null });
    expect(store.operate(record.id, 'clear', 'alice', null, 5100)).toBe('not_active');

    // The edge held it active all along; its clear is history, not a new record.
    const edgeClear = applied(edge(store, 'cleared', 6000, 240));
    expect(edgeClear.entry.changed).toBe(false);
    expect(edgeClear.record).toMatchObject({ id: record.id, active: false, clearedBy: 'alice', clearedAt: 5000, clearedValues: { voltage: 240 } });
    // Raised again before anyone acknowledged: the same record.
    expect(applied(edge(store, 'raised', 7000)).record).toMatchObject({ id: record.id, active: true, raiseCount: 2, clearedBy: null });

    // Cleared by hand and acknowledged: the occurrence is over, the next raise is a new record.
    applied(store.operate(record.id, 'clear', 'alice', null, 7500));
    applied(store.operate(record.id, 'ack', 'alice', null, 7600));
    expect(applied(edge(store, 'cleared', 8000)).record.id).toBe(record.id);
    expect(applied(edge(store, 'raised', 9000)).record.id).not.toBe(record.id);
    expect(events(store, record.id)).toEqual([
      'raised@100', 'manually_cleared@5000', 'cleared@6000 (history only)', 'raised@7000', 'manually_cleared@7500', 'acked@7600',
      'cleared@8000 (history only)',
    ]);
  });

  it('orders by edge time: a clear before its raise, and a raise behind a newer raise, end as if in order', () => {
    const store = open();
    const orphan = applied(edge(store, 'cleared', 200, 247)).record;
    expect(orphan).toMatchObject({ active: false, raiseCount: 0, firstRaised: null, clearedAt: 200 });
    const filled = applied(edge(store, 'raised', 100, 256));
    expect(filled.entry.changed).toBe(false);
    expect(filled.record).toMatchObject({ id: orphan.id, active: false, raiseCount: 1, firstRaised: 100, lastRaised: 100, raisedValues: { voltage: 256 } });

    // 300 raise, 400 clear, 500 raise arrive as 500, 300, 400.
    const b = applied(edge(store, 'raised', 500)).record;
    expect(b.id).toBe(orphan.id); // still unacknowledged: a re-raise of the same record
    applied(edge(store, 'raised', 300));
    applied(edge(store, 'cleared', 400));
    expect(store.get(b.id)).toMatchObject({ active: true, raiseCount: 3, firstRaised: 100, lastRaised: 500, clearedAt: null });
    expect(events(store, b.id)).toEqual([
      'raised@100 (history only)', 'cleared@200', 'raised@300 (history only)', 'cleared@400 (history only)', 'raised@500',
    ]);
  });

  it('a clear that overtakes the raise of a new occurrence opens the record that raise then fills', () => {
    const store = open();
    const first = applied(edge(store, 'raised', 100)).record;
    applied(edge(store, 'cleared', 200));
    applied(store.operate(first.id, 'ack', 'alice', null, 250));
    // 300 raise and 400 clear arrive as 400, 300.
    const second = applied(edge(store, 'cleared', 400)).record;
    expect(second.id).not.toBe(first.id);
    applied(edge(store, 'raised', 300));
    expect(store.get(second.id)).toMatchObject({ active: false, acknowledged: false, raiseCount: 1, firstRaised: 300, clearedAt: 400 });
    expect(store.get(first.id)).toMatchObject({ raiseCount: 1, acknowledged: true });
  });

  it('keeps records, history and replay detection across a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'afferent-alarms-'));
    dirs.push(dir);
    const path = join(dir, 'alarms.db');
    const first = open(path);
    const { record } = applied(edge(first, 'raised', 100));
    first.close();
    const second = open(path);
    expect(edge(second, 'raised', 100)).toBe('replay');
    expect(second.get(record.id)).toMatchObject({ active: true, raiseCount: 1 });
    expect(second.activeBySeverity()).toEqual(new Map([['major', 1]]));
    expect(second.list({ state: 'active', device: 'meter-1', limit: 10 }).map((r) => r.id)).toEqual([record.id]);
    expect(second.list({ state: 'cleared', limit: 10 })).toEqual([]);
  });
});

function transition(state: AutomaticTransition['state'], t: number): AutomaticTransition {
  return { device: 'meter-1', gateway: 'gw-1', tenant: 'default', alarm: 'overvoltage', state, t, severity: 'major', message: 'm', values: {}, source: 'edge', by: 'gw-1' };
}
