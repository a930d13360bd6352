import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProfileLibrary } from '@afferent/device-profiles';
import { startModbusSimulator, type ModbusSimulator } from '@afferent/simulators';
import { runNodeProgram, waitFor } from '@afferent/testkit';
import { AFFERENT_CLI, provision, runAgent, startTlsHub, writeDevices, type AgentRun, type TlsHub } from './fleet-stack.js';

/**
 * Remote configuration end to end: devices pushed through the hub's API (and
 * the afferent CLI) are applied by a running agent without a restart, a
 * config the agent refuses leaves the running one at work, the hub shows the
 * drift, and the agent keeps the last applied config across a restart while
 * the hub is away. Compiled programs, TLS all the way.
 */

const dirs: string[] = [];
const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A TLS hub, a Modbus line with four sensors (units 1–4), and gateway gw-e2e provisioned with th-1 and th-2 in its file. */
async function provisionedGateway() {
  const dir = mkdtempSync(join(tmpdir(), 'afferent-remote-config-'));
  dirs.push(dir);
  const hub = await startTlsHub(join(dir, 'hub-side'));
  stops.push(() => hub.stop());
  const xy = loadProfileLibrary().profiles.get('xy-md02')!;
  const sim: ModbusSimulator = await startModbusSimulator({ devices: [1, 2, 3, 4].map((unitId) => ({ unitId, profile: xy })) });
  stops.push(() => sim.close());
  const sensor = (n: number, extra: object = {}) => ({ id: `th-${n}`, profile: 'xy-md02', interval: '200ms', connection: { url: sim.url, unitId: n }, ...extra });
  const gatewayDir = join(dir, 'gateway');
  mkdirSync(gatewayDir);
  writeDevices(gatewayDir, [sensor(1), sensor(2)]);
  const created = await hub.api('POST', '/api/v1/gateways', { id: 'gw-e2e' });
  expect((await provision(hub, created.body.provisioning.token, gatewayDir)).code).toBe(0);
  const start = async () => {
    const agent = await runAgent(gatewayDir);
    stops.push(() => agent.process.stop());
    return agent;
  };
  return { dir, hub, sim, sensor, gatewayDir, start };
}

const running = async (agent: AgentRun) => Object.keys((await agent.health()).devices).sort();
const config = (hub: TlsHub) => hub.api('GET', '/api/v1/gateways/gw-e2e/config').then((r) => r.body);
const latestT = async (hub: TlsHub, device: string) => (await hub.api('GET', `/api/v1/devices/${device}`)).body.latest?.temperature?.t ?? 0;

describe('remote configuration', () => {
  it('applies a pushed config without a restart, refuses a bad one while the running one keeps working, and shows the drift', async () => {
    const { dir, hub, sim, sensor, start } = await provisionedGateway();
    const agent = await start();
    await waitFor('the file\'s devices at work', async () => (await running(agent)).join() === 'th-1,th-2');
    await waitFor('the hub to know the agent runs its file', async () => (await config(hub)).reported.applied === 0);

    // th-1 changed, th-2 removed, th-3 and th-4 added by one template.
    const template = { for: { n: '3-4' }, id: 'th-{n}', profile: 'xy-md02', interval: '200ms', connection: { url: sim.url, unitId: '{n}' }, labels: { bus: 'b' } };
    writeFileSync(join(dir, 'v1.yaml'), stringify({ devices: [sensor(1, { interval: '300ms' }), template] }));
    const pushed = await runNodeProgram(AFFERENT_CLI, ['config', 'push', 'gw-e2e', join(dir, 'v1.yaml')], hub.cliEnv);
    expect(pushed).toMatchObject({ code: 0, stdout: 'gw-e2e: config v1 stored (3 devices)\ngw-e2e: v1 applied\n' });
    expect(await running(agent)).toEqual(['th-1', 'th-3', 'th-4']);
    expect(await config(hub)).toMatchObject({ desired: { version: 1, deviceCount: 3 }, reported: { applied: 1 }, sync: 'in-sync' });
    await waitFor('values of the templated devices at the hub', async () => (await latestT(hub, 'th-3')) > 0 && (await latestT(hub, 'th-4')) > 0);
    // The same template, expanded by the hub and by the agent, names the same devices.
    const labelled = (await hub.api('GET', '/api/v1/devices?label=bus:b')).body.devices.map((d: { id: string }) => d.id);
    expect(labelled).toEqual(['th-3', 'th-4']);
    // No restart: the agent printed its ready line once and still runs.
    expect(agent.process.output().match(/afferent agent ready/g)).toHaveLength(1);

    // The hub cannot know that a password file is missing on the gateway; the agent refuses the config.
    const plug = { id: 'plug-1', profile: 'tasmota-smart-plug', connection: { url: 'mqtt://127.0.0.1:1', base: 'plug1', passwordFile: '/nonexistent/plug-secret' } };
    writeFileSync(join(dir, 'v2.yaml'), stringify({ devices: [sensor(1), plug] }));
    const refused = await runNodeProgram(AFFERENT_CLI, ['config', 'push', 'gw-e2e', join(dir, 'v2.yaml')], hub.cliEnv);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('gw-e2e: v2 rejected, still running v1:\ndevices[1].connection.passwordFile: cannot read /nonexistent/plug-secret: it does not exist');
    expect(await config(hub)).toMatchObject({
      desired: { version: 2 }, reported: { applied: 1, last: { version: 2, state: 'rejected' } }, sync: 'rejected',
      error: 'devices[1].connection.passwordFile: cannot read /nonexistent/plug-secret: it does not exist',
    });
    expect(await running(agent)).toEqual(['th-1', 'th-3', 'th-4']);
    const before = await latestT(hub, 'th-4');
    sim.unit(4).set('temperature', 30.5);
    await waitFor('th-4 still delivering', async () => (await latestT(hub, 'th-4')) > before);

    // Health arrives with the gateway's next status (every 10 s): the new devices were not read yet at the last one.
    await waitFor('the fleet view to show the three devices well', async () =>
      /^gw-e2e +online .* 3\/3 ok .* v2 rejected \(runs v1\)$/m.test((await runNodeProgram(AFFERENT_CLI, ['fleet'], hub.cliEnv)).stdout), 30_000);
    const got = await runNodeProgram(AFFERENT_CLI, ['config', 'get', 'gw-e2e'], hub.cliEnv);
    expect(parse(got.stdout)).toEqual({ devices: [sensor(1), plug] });
    expect(got.stderr).toMatch(/^gw-e2e: desired v2 \(2 devices\) by AFFERENT_ADMIN_TOKEN at .*; rejected: .*; the gateway runs v1$/m);
  }, 60_000);

  it('restarts with the last applied config while the hub is away, and reports it when the hub is back', async () => {
    const { hub, sensor, start } = await provisionedGateway();
    const agent = await start();
    expect((await hub.api('PUT', '/api/v1/gateways/gw-e2e/config', { devices: [sensor(3)] })).status).toBe(200);
    await waitFor('v1 applied', async () => (await config(hub)).sync === 'in-sync');

    await hub.stop();
    await agent.process.stop();
    const again = await start();
    const health = await again.health();
    expect(health.config).toBe(1);
    expect(Object.keys(health.devices)).toEqual(['th-3']);
    await waitFor('readings buffered while the hub is away', async () => (await again.health()).backlog.readings > 0);

    await hub.restart();
    await waitFor('the hub to hear from th-3 again', async () => (await latestT(hub, 'th-3')) > 0, 40_000);
    expect(await config(hub)).toMatchObject({ reported: { applied: 1 }, sync: 'in-sync' });
  }, 60_000);

  it('reloads the configuration file on SIGHUP while data is buffered, and loses none of it', async () => {
    const { gatewayDir, hub, sim, sensor, start } = await provisionedGateway();
    const agent = await start();
    await waitFor('th-1 at the hub', async () => (await latestT(hub, 'th-1')) > 0);
    await hub.stop();
    // A reading is sent when a value changes: keep th-1's temperature moving.
    let temperature = 20;
    await waitFor('a backlog', async () => {
      sim.unit(1).set('temperature', (temperature += 0.5));
      return (await agent.health()).backlog.readings >= 5;
    });
    const buffered = (await agent.health()).backlog.readings;

    const file = join(gatewayDir, 'agent.yaml');
    writeFileSync(file, stringify({ ...parse(readFileSync(file, 'utf8')), devices: [sensor(1), sensor(2), sensor(3)] }));
    agent.process.child.kill('SIGHUP');
    await waitFor('th-3 added by the reload', async () => (await running(agent)).includes('th-3'));
    const after = await agent.health();
    expect(after.backlog.readings).toBeGreaterThanOrEqual(buffered);
    expect(after.backlog.dropped).toBe(0);

    await hub.restart();
    await waitFor('the backlog delivered', async () => (await agent.health()).backlog.batches === 0 && (await latestT(hub, 'th-3')) > 0, 40_000);
  }, 60_000);
});
