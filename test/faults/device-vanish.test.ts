import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@afferent/testkit';
import { startFaultStack, type FaultStack } from './fault-stack.js';
import { countAtHub, printFigures } from './figures.js';
import { ingestedReadings, missingRanges } from './hub-tally.js';

let stack: FaultStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

interface AlarmRecord { device: string; alarm: string; state: string }

describe('fault: field devices vanish and return', () => {
  it('stores nothing for the gap, resumes by itself, shows the devices offline meanwhile, and loses nothing the agent read', async () => {
    // Two simulated ports of 10 devices each; the first loses power, the second carries on.
    const s = (stack = await startFaultStack({ devices: 20, interval: '100ms' }));
    await waitFor('readings flowing into the hub', async () => (await ingestedReadings(s.hub)) > 400, 30_000);
    const activeOffline = async () => (await s.hub.api<{ alarms: AlarmRecord[] }>('/api/v1/alarms?state=active&limit=1000'))
      .body.alarms.filter((a) => a.alarm === 'offline').map((a) => a.device).sort();

    const gone = await s.powerOff(0);
    const lastServed = Object.fromEntries(gone.map((id) => [id, s.served(id)]));
    const off = Date.now();
    await waitFor('their offline alarms at the hub', async () => (await activeOffline()).length === gone.length, 30_000, 250);
    expect(await activeOffline()).toEqual([...gone].sort());
    // Away for a while: several failed polls each, the pollers backing off; the other port unaffected.
    await waitFor('the vanished devices failing poll after poll', async () => {
      const { devices } = await s.health();
      return gone.every((id) => !devices[id]!.reachable && devices[id]!.readErrors >= 6) && devices['m-11']!.reachable;
    }, 30_000, 200);

    const on = Date.now();
    await s.powerOn(0);
    // The pollers back off while a device is away, but never give up: each comes back by itself.
    await waitFor('every device answering again', async () => Object.values((await s.health()).devices).every((d) => d.reachable), 60_000, 250);
    await waitFor('the offline alarms cleared at the hub', async () => (await activeOffline()).length === 0, 30_000, 250);

    const produced = s.freeze();
    await s.drain();
    const count = await countAtHub(s, produced);
    const agentReadings = await s.agent.metric('afferent_agent_readings_total');
    const servedAsPowerWent = count.produced - agentReadings;
    printFigures('field devices vanish and return', { ...count, lost: count.produced - count.stored - servedAsPowerWent }, {
      devicesOff: gone.length, gapMs: on - off, agentReadings, servedAsPowerWent,
    });

    // Everything the agent read arrived, once.
    expect(count.stored).toBe(agentReadings);
    expect(count.duplicates).toBe(0);
    for (const [id, tally] of count.tallies) {
      const missing = missingRanges(tally.ordinals, produced[id]!);
      // A vanished device may take one answer with it: the read it served as the power went.
      if (gone.includes(id)) expect(missing.filter(([a, b]) => a !== b || a !== lastServed[id]), id).toEqual([]);
      else expect(missing, id).toEqual([]);
      const inGap = tally.times.filter((t) => t >= off && t < on).length;
      if (gone.includes(id)) expect(inGap, `${id}: readings in its gap`).toBe(0);
      else expect(inGap, `${id}: readings while the others were away`).toBeGreaterThan(0);
      // Resumed: its last reading is the last one it served.
      expect(tally.ordinals.at(-1), id).toBe(produced[id]);
    }
  }, 150_000);
});
