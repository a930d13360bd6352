import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startProcess, type RunningProcess } from '@afferent/testkit';
import { startTestBroker, type TestBroker } from './mqtt/test-support/aedes-broker.js';

/** The compiled CLI, as an operator runs it (the tests run after `tsc -b`). */
const CLI = new URL('../dist/cli.js', import.meta.url).pathname;
const SCENARIO = new URL('../scenarios/all-protocols.yaml', import.meta.url).pathname;

let cli: RunningProcess | undefined;
let broker: TestBroker | undefined;
let dir: string | undefined;
afterEach(async () => {
  await cli?.stop();
  cli = undefined;
  await broker?.close();
  broker = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('afferent-sim CLI', () => {
  it('runs the all-protocols scenario against the broker given on the command line, and stops on SIGTERM', async () => {
    broker = await startTestBroker();
    dir = mkdtempSync(join(tmpdir(), 'afferent-sim-cli-'));
    const agentDevices = join(dir, 'devices.yaml');
    cli = startProcess(process.execPath, [CLI, 'run', SCENARIO, '--broker', broker.url, '--pki', join(dir, 'pki'), '--agent-devices', agentDevices]);
    await cli.waitForLine(/afferent-sim ready: 4 devices on 3 ports \(1 of them MQTT clients\)/, 30_000);
    const { devices } = parse(readFileSync(agentDevices, 'utf8')) as { devices: { id: string; connection: { url: string } }[] };
    expect(devices.map((d) => d.id)).toEqual(['climate-1', 'boiler-1', 'env-1', 'plug-1']);
    expect(devices[3]!.connection).toEqual({ url: broker.url, base: 'tasmota_plug-1' });
    expect(await cli.stop()).toBe(0);
  });
});
