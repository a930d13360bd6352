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

/**
 * The reload contract this test assumes (the agent's config apply path is
 * being built alongside): on SIGHUP the running agent re-reads its
 * configuration file and applies it without exiting; devices removed stop
 * being polled, devices added start; /healthz lists the devices it now runs;
 * the outbox is neither reset nor truncated, so what was buffered before the
 * reload, removed devices' readings included, still reaches the hub.
 */
describe('fault: the configuration is reloaded while data is buffered', () => {
  it('keeps the buffer intact: every reading from before and after the reload arrives once', async () => {
    // m-1…m-10 configured; m-11 is wired to the simulator and waits for the reload to be added.
    const s = (stack = await startFaultStack({ devices: 11, unitsPerPort: 11, interval: '50ms', agentDevices: 10 }));
    const pid = s.agent.process.child.pid;
    await waitFor('readings flowing into the hub', async () => (await ingestedReadings(s.hub)) > 500, 30_000);

    s.cutUplink();
    await waitFor('a backlog at the agent', async () => (await s.health()).backlog.readings >= 1000, 30_000, 200);
    const buffered = (await s.health()).backlog.readings;
    // m-10 goes (its buffered readings must not go with it), m-11 comes.
    const kept = s.ids.filter((id) => id !== 'm-10');
    s.reloadAgent(kept);
    await waitFor('the reloaded configuration applied', async () => {
      const child = s.agent.process.child;
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the agent exited on SIGHUP (${child.exitCode ?? child.signalCode}):\n${s.logs()}`);
      const { devices } = await s.health();
      return devices['m-11']?.reachable === true && devices['m-10'] === undefined;
    }, 30_000, 200);
    expect((await s.health()).backlog.readings).toBeGreaterThanOrEqual(buffered);

    s.restoreUplink();
    await waitFor('readings of the added device at the hub', async () => (await s.hub.api<{ lastSeen: number | null }>('/api/v1/devices/m-11')).body?.lastSeen, 60_000, 250);
    const produced = s.freeze();
    await s.drain();
    const count = await countAtHub(s, produced);
    printFigures('configuration reload with data buffered', count, { bufferedAtReload: buffered });

    expect(s.agent.process.child.pid).toBe(pid);
    expect(count.stored).toBe(count.produced);
    expect(count.duplicates).toBe(0);
    for (const [id, tally] of count.tallies) expect(missingRanges(tally.ordinals, produced[id]!), id).toEqual([]);
    expect(count.tallies.get('m-11')!.readings).toBeGreaterThan(0);
  }, 120_000);
});
