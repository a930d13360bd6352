import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@afferent/testkit';
import { LEVEL_POINT } from './fault-profile.js';
import { GATEWAY, startFaultStack, type FaultStack } from './fault-stack.js';
import { countAtHub, printFigures } from './figures.js';
import { ingestedReadings, missingRanges } from './hub-tally.js';

let stack: FaultStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

interface AlarmRecord { id: number; device: string; alarm: string; state: string; raiseCount: number }
interface GatewayView { backlog: { dropped?: number } | null }

const RAISES = 3;

describe('fault: the outbox reaches its size limit during an outage', () => {
  it('drops the oldest telemetry and counts exactly what it dropped; every alarm raised meanwhile arrives', async () => {
    // 200 readings a second of about 75 bytes each against a 64 KiB outbox: full within seconds of the cut.
    const s = (stack = await startFaultStack({ devices: 10, interval: '50ms', agent: { outbox: { maxBytes: '64KiB' } } }));
    await waitFor('readings flowing into the hub', async () => (await ingestedReadings(s.hub)) > 500, 30_000);

    s.cutUplink();
    // Alarms at the edge while the link is down: m-1 raised and cleared three times, m-2 raised and left active.
    const alarmAtEdge = async (device: string, active: boolean) =>
      waitFor(`high_level ${active ? 'active' : 'cleared'} on ${device} at the edge`, async () => (await s.health()).alarms[device]?.high_level !== undefined === active);
    for (let i = 0; i < RAISES; i++) {
      s.unit('m-1').set(LEVEL_POINT, 150);
      await alarmAtEdge('m-1', true);
      s.unit('m-1').set(LEVEL_POINT, 50);
      await alarmAtEdge('m-1', false);
    }
    s.unit('m-2').set(LEVEL_POINT, 150);
    await alarmAtEdge('m-2', true);
    await waitFor('the outbox policy dropping telemetry', async () => (await s.health()).backlog.dropped >= 1000, 60_000, 200);

    s.restoreUplink();
    const produced = s.freeze();
    const health = await s.drain();
    const dropped = health.backlog.dropped;
    const count = await countAtHub(s, produced, dropped);
    printFigures('outbox size limit during an outage', count, { maxBytes: 65536 });

    // Exactly the readings the policy dropped are missing; nothing else, nothing twice.
    expect(await s.agent.metric('afferent_agent_readings_total')).toBe(count.produced);
    expect(await s.agent.metric('afferent_agent_outbox_dropped_readings_total')).toBe(dropped);
    expect(count.produced - count.stored).toBe(dropped);
    expect(count.lost).toBe(0);
    expect(count.duplicates).toBe(0);
    // The oldest went: per device one run of readings from the outage, and everything after it arrived.
    for (const [id, tally] of count.tallies) {
      const missing = missingRanges(tally.ordinals, produced[id]!);
      expect(missing, id).toHaveLength(1);
      expect(tally.ordinals.filter((n) => n > missing[0]![1]).length, id).toBe(produced[id]! - missing[0]![1]);
    }
    // The hub shows what was dropped.
    await waitFor('the dropped count in the hub\'s gateway view', async () =>
      (await s.hub.api<GatewayView>(`/api/v1/gateways/${GATEWAY}`)).body.backlog?.dropped === dropped, 30_000, 250);
    // Alarm batches are never dropped: every transition of the outage is at the hub.
    const records = (await s.hub.api<{ alarms: AlarmRecord[] }>('/api/v1/alarms?limit=1000')).body.alarms.filter((a) => a.alarm === 'high_level');
    const m1 = records.find((a) => a.device === 'm-1')!;
    expect(m1).toMatchObject({ state: 'cleared', raiseCount: RAISES });
    const history = (await s.hub.api<{ history: { event: string }[] }>(`/api/v1/alarms/${m1.id}/history`)).body.history.map((e) => e.event);
    expect(history).toEqual(Array.from({ length: RAISES }, () => ['raised', 'cleared']).flat());
    expect(records.find((a) => a.device === 'm-2')).toMatchObject({ state: 'active', raiseCount: 1 });
  }, 120_000);
});
