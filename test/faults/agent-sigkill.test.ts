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

/**
 * The policy for a killed agent (README, Outbox): a reading is safe once
 * its batch is committed to the outbox. What SIGKILL takes is what was not:
 * per device at most the reading waiting for its batch to close (a batch
 * closes `batchLinger` after its first reading, before that device's next
 * poll is due) and one read the device had answered that the agent had not
 * yet processed.
 */
const MAY_LOSE_PER_DEVICE = 2;

describe('fault: the agent is SIGKILLed mid-stream and restarted', () => {
  it('loses only the readings not yet in its outbox at the kill, the last ones, and stores nothing twice', async () => {
    const devices = 20;
    const s = (stack = await startFaultStack({ devices, interval: '50ms' }));
    await waitFor('readings flowing into the hub', async () => (await ingestedReadings(s.hub)) > 1000, 30_000);

    await s.killAgent();
    // The devices answer no one now: what each served is what the killed agent read.
    const servedAtKill = Object.fromEntries(s.ids.map((id) => [id, s.served(id)]));
    await s.restartAgent();
    const resumed = await ingestedReadings(s.hub);
    await waitFor('readings of the new agent at the hub', async () => (await ingestedReadings(s.hub)) > resumed + 2000, 30_000);

    const produced = s.freeze();
    await s.drain();
    const count = await countAtHub(s, produced);
    const lostPerDevice: Record<string, number> = {};
    for (const [id, tally] of count.tallies) {
      const missing = missingRanges(tally.ordinals, produced[id]!);
      // Only the very last readings of the killed agent: one run of ordinals ending where it was killed.
      if (missing.length > 0) {
        expect(missing, id).toHaveLength(1);
        expect(missing[0]![1], `${id}: the lost readings end at the kill`).toBe(servedAtKill[id]);
      }
      lostPerDevice[id] = missing.reduce((n, [a, b]) => n + b - a + 1, 0);
      for (const point of counterPoints(4)) expect(tally.perPoint[point], `${id}.${point}`).toBe(tally.readings);
    }
    const lostAtKill = Object.values(lostPerDevice).reduce((a, b) => a + b, 0);
    printFigures('agent SIGKILL + restart', count, {
      lostAtKill, mostLostByOneDevice: Math.max(...Object.values(lostPerDevice)),
      duplicateBatchesDroppedByHub: await s.hub.metric('afferent_hub_duplicate_batches_total'),
    });

    expect(count.duplicates).toBe(0);
    expect(count.lost).toBe(lostAtKill);
    for (const [id, lost] of Object.entries(lostPerDevice)) expect(lost, id).toBeLessThanOrEqual(MAY_LOSE_PER_DEVICE);
    // After the restart nothing is lost: the new agent's readings all arrived.
    for (const [id, tally] of count.tallies) expect(tally.ordinals.at(-1), id).toBe(produced[id]);
  }, 120_000);
});
