import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@afferent/testkit';
import { counterPoints } from './fault-profile.js';
import { startFaultStack, type FaultStack } from './fault-stack.js';
import { countAtHub, printFigures } from './figures.js';
import { ingestedReadings, missingRanges } from './hub-tally.js';

let stack: FaultStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('fault: the hub is SIGKILLed mid-stream and restarted', () => {
  it('stores every reading exactly once: nothing lost, no duplicates', async () => {
    const s = (stack = await startFaultStack({ devices: 20, interval: '50ms' }));
    await waitFor('readings flowing into the hub', async () => (await ingestedReadings(s.hub)) > 500, 30_000);

    // Mid-stream: batches are being committed and acked as the hub dies.
    await s.killHub();
    await waitFor('a backlog at the agent while the hub is down', async () => (await s.health()).backlog.batches >= 30, 30_000);
    await s.restartHub();
    const resumed = await ingestedReadings(s.hub);
    await waitFor('readings sampled after the restart at the hub', async () => (await ingestedReadings(s.hub)) > resumed + 2000, 30_000);

    const produced = s.freeze();
    await s.drain();
    const count = await countAtHub(s, produced);
    const agentReadings = await s.agent.metric('afferent_agent_readings_total');
    const hubDuplicates = await s.hub.metric('afferent_hub_duplicate_batches_total');
    const resent = await s.agent.metric('afferent_agent_uplink_batches_resent_total');
    printFigures('hub SIGKILL + restart', count, { agentReadings, resentBatches: resent, duplicateBatchesDroppedByHub: hubDuplicates });

    expect(agentReadings).toBe(count.produced);
    expect(count.stored).toBe(count.produced);
    expect(count.lost).toBe(0);
    expect(count.duplicates).toBe(0);
    for (const [id, tally] of count.tallies) {
      expect(missingRanges(tally.ordinals, produced[id]!), id).toEqual([]);
      for (const point of counterPoints(4)) expect(tally.perPoint[point], `${id}.${point}`).toBe(tally.readings);
    }
  }, 120_000);
});
