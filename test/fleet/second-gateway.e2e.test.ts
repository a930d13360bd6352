import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNodeProgram, startProcess, waitFor, type RunningProcess } from '@afferent/testkit';
import { AFFERENT_CLI, AGENT_CLI, runAgent, writeDevices, type AgentRun } from './fleet-stack.js';

/**
 * The "done when": against the hub `npm start` runs (scripts/demo.mjs,
 * TLS with its own CA), a second gateway is provisioned in one command and its
 * devices appear in the fleet view.
 */

const DEMO = fileURLToPath(new URL('../../scripts/demo.mjs', import.meta.url));
let dir: string;
let demo: RunningProcess;
let agent: AgentRun | undefined;
const env: Record<string, string> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'afferent-demo-'));
  demo = startProcess('node', [DEMO], { env: { AFFERENT_DEMO_DIR: join(dir, 'demo'), AFFERENT_DEMO_PORTS: 'any', AFFERENT_ADMIN_TOKEN: undefined } });
  await demo.waitForLine(/Ctrl-C stops everything/, 60_000);
  const out = demo.output();
  env.AFFERENT_URL = /^ {2}API {8}(\S+)\/api\/v1\/devices$/m.exec(out)![1]!;
  env.AFFERENT_TOKEN = /^ {2}token {6}(\S+)$/m.exec(out)![1]!;
  env.AFFERENT_CA = /^ {2}CA {9}(\S+)$/m.exec(out)![1]!;
}, 90_000);

afterAll(async () => {
  await agent?.process.stop();
  await demo?.stop('SIGINT');
  rmSync(dir, { recursive: true, force: true });
});

describe('the running demo hub', () => {
  it('takes a second gateway provisioned in one command, and shows its devices in the fleet view', async () => {
    expect(env.AFFERENT_URL).toMatch(/^https:\/\//);
    const created = await runNodeProgram(AFFERENT_CLI, ['gateways', 'create', 'gw-2', '--name', 'Second gateway', '--label', 'site=north'], env);
    expect(created.code).toBe(0);
    const command = /^ {2}(edge-agent provision --hub \S+ --token \S+) --config \S+$/m.exec(created.stdout)?.[1];
    expect(command).toBeDefined();

    // The field engineer's gateway: one device on the demo's simulated Modbus line, and the printed command.
    const { devices } = parse(readFileSync(join(dir, 'demo', 'devices.yaml'), 'utf8')) as { devices: { id: string; profile: string; connection: object }[] };
    const meter = devices.find((d) => d.profile === 'eastron-sdm120')!;
    const gateway = join(dir, 'gw-2');
    mkdirSync(gateway);
    writeDevices(gateway, [{ ...meter, id: 'north-meter-1' }]);
    const [, ...args] = command!.split(' ');
    const provisioned = await runNodeProgram(AGENT_CLI, [...args, '--config', join(gateway, 'agent.yaml'), '--data', join(gateway, 'data')]);
    expect(provisioned).toMatchObject({ code: 0, stdout: expect.stringContaining('provisioned gateway gw-2') });

    agent = await runAgent(gateway);
    // Both gateways well: the second one does not disturb the demo's own (all its devices reachable).
    const demoWell = new RegExp(`^demo-gw +online .* ${devices.length}/${devices.length} ok `, 'm');
    await waitFor('gw-2 with its device, and demo-gw with all of its, well in the fleet view', async () => {
      const { stdout } = await runNodeProgram(AFFERENT_CLI, ['fleet'], env);
      return /^gw-2 +online .* 1\/1 ok /m.test(stdout) && demoWell.test(stdout) ? stdout : undefined;
    }, 40_000);
    const one = await runNodeProgram(AFFERENT_CLI, ['gateway', 'gw-2'], env);
    expect(one.stdout).toMatch(/^gw-2 \(Second gateway\): online/);
    expect(one.stdout).toMatch(/^north-meter-1 +yes /m);
  }, 90_000);
});
