import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProfileLibrary } from '@afferent/device-profiles';
import { freePort, startModbusSimulator } from '@afferent/simulators';
import { waitFor } from '@afferent/testkit';
import { startAgentProcess, workDir } from '../bench/src/stack/stack.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * Loading node-opcua runs about a second of module code on the agent's event
 * loop. If that happened while other devices polled, every read timer that
 * expired meanwhile would be a read error although the device had answered:
 * the demo's Modbus devices each logged "no answer in time" at start. The
 * agent loads its drivers before the first poll.
 */
describe('the agent at start, with a device whose driver is heavy to load', () => {
  it('loads the drivers first: a Modbus device polled with a 500 ms timeout sees no error while node-opcua (~0.8 s of module code) loads', async () => {
    const profiles = loadProfileLibrary().profiles;
    const modbus = await startModbusSimulator({ devices: [{ unitId: 1, profile: profiles.get('xy-md02')! }] });
    const work = workDir('afferent-driver-loading-');
    cleanups.push(() => modbus.close(), () => work.cleanup());
    const agent = await startAgentProcess(work.dir, {
      gateway: { id: 'gw-loading' },
      // No hub: readings wait in the outbox, which is all this test needs.
      hub: { url: `mqtt://127.0.0.1:${await freePort()}`, password: 'unused' },
      dataDir: join(work.dir, 'agent'),
      status: { host: '127.0.0.1', port: 0 },
      logLevel: 'error',
      devices: [
        { id: 'th-1', profile: 'xy-md02', interval: '50ms', connection: { url: modbus.url, unitId: 1, timeout: '500ms' } },
        // Nothing listens there: the driver is loaded all the same, and its reads fail.
        { id: 'boiler-1', profile: 'opcua-boiler', interval: '1s', connection: { url: `opc.tcp://127.0.0.1:${await freePort()}` } },
      ],
    });
    cleanups.push(() => agent.process.stop());

    const reads = await waitFor('40 polls of the Modbus device, and the OPC UA driver loaded and failing', async () => {
      const metric = await agent.scrape();
      const polled = metric('afferent_agent_read_latency_seconds_count', { device: 'th-1' });
      return polled >= 40 && metric('afferent_agent_read_errors_total', { device: 'boiler-1' }) > 0 ? metric : undefined;
    }, 30_000);
    expect(reads('afferent_agent_read_errors_total', { device: 'th-1' }) || 0).toBe(0);
  });
});
