import { followEvents, type HubEvent } from '@afferent/cloud-hub';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@afferent/testkit';
import { GATEWAY, startFaultStack, type FaultStack } from './fault-stack.js';
import { countAtHub, printFigures } from './figures.js';
import { ingestedReadings, missingRanges } from './hub-tally.js';

let stack: FaultStack | undefined;
const closers: (() => void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await stack?.close();
  stack = undefined;
});

interface Arrival { device: string; t: number }
interface GatewayView { backlog: { readings: number; oldest?: number } | null }

/** Readings sampled this long before the uplink came back were surely stored while it was down. */
const SURELY_BACKLOG_MS = 1000;

describe('fault: the uplink is cut at full rate, then restored', () => {
  it('keeps sampling into the outbox; afterwards live data arrives ahead of the paced backlog, oldest first; totals match', async () => {
    // 40 devices × 10 points every 50 ms: 800 readings, 8000 points a second; the backlog goes back at 1000 readings/s.
    const s = (stack = await startFaultStack({ devices: 40, points: 10, interval: '50ms', agent: { uplink: { backfillRate: 1000 } } }));
    const arrivals: Arrival[] = [];
    const follower = await followEvents(`${s.hub.apiUrl}/api/v1/events?types=telemetry`, s.hub.token, (event: HubEvent) => {
      arrivals.push({ device: event.device!, t: (event.data as { t: number }).t });
    });
    closers.push(() => follower.close());
    await waitFor('readings flowing into the hub', async () => (await ingestedReadings(s.hub)) > 2000, 30_000);

    s.cutUplink();
    await waitFor('a backlog of several seconds at the agent', async () => {
      const health = await s.health();
      return !health.uplink.connected && health.backlog.readings >= 6000;
    }, 60_000, 200);
    const reopened = Date.now();
    const before = arrivals.length;
    s.restoreUplink();

    // The hub's gateway view shows the backlog the agent reported when it came back (before the cut it kept up).
    const view = await waitFor('the outage\'s backlog in the hub\'s gateway view', async () => {
      const { body } = await s.hub.api<GatewayView>(`/api/v1/gateways/${GATEWAY}`);
      return (body.backlog?.readings ?? 0) >= 1000 ? body : undefined;
    }, 60_000);
    expect(view.backlog!.oldest).toBeLessThan(reopened - SURELY_BACKLOG_MS);

    await waitFor('the backlog drained', async () => (await s.health()).backlog.readings < 1000, 90_000, 250);
    const produced = s.freeze();
    await s.drain();
    const count = await countAtHub(s, produced);
    const after = arrivals.slice(before);
    const firstLive = after.findIndex((a) => a.t >= reopened);
    const lastOld = after.findLastIndex((a) => a.t < reopened - SURELY_BACKLOG_MS);
    printFigures('uplink cut at full rate, restored', count, {
      backlogAtRestore: view.backlog!.readings, arrivalsAfterRestore: after.length, firstLiveArrival: firstLive, lastBacklogArrival: lastOld,
    });

    expect(count.stored).toBe(count.produced);
    expect(count.duplicates).toBe(0);
    expect(await s.agent.metric('afferent_agent_readings_total')).toBe(count.produced);
    for (const [id, tally] of count.tallies) expect(missingRanges(tally.ordinals, produced[id]!), id).toEqual([]);
    // Live first: current readings reached the hub while the backlog of the outage was still arriving.
    expect(firstLive).toBeGreaterThanOrEqual(0);
    expect(firstLive).toBeLessThan(lastOld);
    // The backlog fills the gap from its oldest end: per device, in the order it was sampled.
    const lastT = new Map<string, number>();
    for (const { device, t } of after.filter((a) => a.t < reopened - SURELY_BACKLOG_MS)) {
      expect(t, `${device}: backlog out of order`).toBeGreaterThan(lastT.get(device) ?? 0);
      lastT.set(device, t);
    }
  }, 180_000);
});
