import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProfileLibrary } from '@afferent/device-profiles';
import { startModbusSimulator, type ModbusSimulator } from '@afferent/simulators';
import { startProcess, waitFor, type RunningProcess } from '@afferent/testkit';
import { AGENT_CLI, generateCerts, provision, runAgent, startTlsHub, writeDevices, type TlsHub } from './fleet-stack.js';

/**
 * Provisioning end to end, with the compiled programs: an admin creates a
 * gateway through the API, `edge-agent provision` exchanges the one-time
 * token over HTTPS (the hub's CA pinned by the token's fingerprint), and the
 * agent runs over MQTT/TLS with the stored credentials. Then the token's
 * limits, disabling, rotation, and TLS refusals.
 */

const dirs: string[] = [];
const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'afferent-fleet-'));
  dirs.push(dir);
  return dir;
};

async function stack() {
  const dir = tempDir();
  const hub = await startTlsHub(join(dir, 'hub-side'));
  stops.push(() => hub.stop());
  const sim: ModbusSimulator = await startModbusSimulator({ devices: [{ unitId: 1, profile: loadProfileLibrary().profiles.get('xy-md02')! }] });
  stops.push(() => sim.close());
  sim.unit(1).set('temperature', 21.5);
  const gatewayDir = join(dir, 'gateway');
  mkdirSync(gatewayDir);
  writeDevices(gatewayDir, [{ id: 'th-1', profile: 'xy-md02', interval: '200ms', connection: { url: sim.url, unitId: 1 } }]);
  return { hub, gatewayDir };
}

async function createGateway(hub: TlsHub, id: string, extra: object = {}): Promise<{ token: string; expires: number }> {
  const created = await hub.api('POST', '/api/v1/gateways', { id, labels: { site: 'e2e' }, ...extra });
  expect(created.status).toBe(201);
  return created.body.provisioning;
}

const online = (hub: TlsHub, id: string) => hub.api('GET', `/api/v1/gateways/${id}`).then((r) => r.body.online as boolean);

async function metric(hub: TlsHub, reason: string): Promise<number> {
  const { body } = await hub.api<string>('GET', '/metrics');
  return Number(new RegExp(`afferent_hub_refused_connections_total\\{reason="${reason}"\\} (\\d+)`).exec(body)?.[1] ?? 0);
}

describe('provisioning a gateway', () => {
  it('exchanges a one-time token over HTTPS pinned by its fingerprint, keeps the credentials 0600, and runs over MQTT/TLS', async () => {
    const { hub, gatewayDir } = await stack();
    const { token } = await createGateway(hub, 'gw-e2e');
    expect(token.split('.')[1]).toBe(hub.certs.fingerprint);

    const first = await provision(hub, token, gatewayDir);
    expect(first).toMatchObject({ code: 0, stdout: expect.stringMatching(/^provisioned gateway gw-e2e at https:\/\/127\.0\.0\.1:\d+ \(hub CA pinned/) });
    for (const file of ['credentials.json', 'hub-ca.pem']) expect(statSync(join(gatewayDir, 'data', file)).mode & 0o777, file).toBe(0o600);
    expect(readFileSync(join(gatewayDir, 'data', 'hub-ca.pem'), 'utf8')).toBe(hub.certs.caPem);
    const config = parse(readFileSync(join(gatewayDir, 'agent.yaml'), 'utf8'));
    expect(config).toMatchObject({ gateway: { id: 'gw-e2e' }, hub: { url: hub.mqttUrl }, devices: [{ id: 'th-1' }] });
    expect(JSON.stringify(config)).not.toMatch(/password/);

    const agent = await runAgent(gatewayDir);
    stops.push(() => agent.process.stop());
    const device = await waitFor('th-1 with a value at the hub', async () => {
      const { body } = await hub.api('GET', '/api/v1/devices?gateway=gw-e2e');
      return body.devices.find((d: { id: string; latest: Record<string, { value: unknown }> }) => d.id === 'th-1' && d.latest.temperature?.value === 21.5);
    });
    expect(device.gateway).toBe('gw-e2e');
    expect((await hub.api('GET', '/api/v1/gateways/gw-e2e')).body).toMatchObject({ online: true, provisioned: true, labels: { site: 'e2e' } });

    const again = await provision(hub, token, gatewayDir);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/the hub refused the token \(410\): this provisioning token was used at /);
  });

  it('refuses an expired token, and a token whose fingerprint is not the hub\'s before sending it', async () => {
    const { hub, gatewayDir } = await stack();
    const short = await createGateway(hub, 'gw-short', { expiresIn: 1000 });
    await waitFor('the token to expire', () => Date.now() > short.expires + 50);
    const expired = await provision(hub, short.token, gatewayDir);
    expect(expired.code).toBe(1);
    expect(expired.stderr).toMatch(/the hub refused the token \(410\): this provisioning token expired at /);

    const { token } = await createGateway(hub, 'gw-pinned');
    const other = await generateCerts(join(gatewayDir, 'other-ca'));
    const forged = await provision(hub, `${token.split('.')[0]}.${other.fingerprint}`, gatewayDir);
    expect(forged.code).toBe(1);
    expect(forged.stderr).toMatch(/presented no certificate with the fingerprint in the token .*nothing was sent/);
    // Nothing was sent: the real token still works.
    expect((await provision(hub, token, gatewayDir)).code).toBe(0);
  });

  it('cuts a disabled gateway off at once and refuses it; a rotation cuts the old password, and provisioning again brings it back without a restart', async () => {
    const { hub, gatewayDir } = await stack();
    expect((await provision(hub, (await createGateway(hub, 'gw-e2e')).token, gatewayDir)).code).toBe(0);
    const agent = await runAgent(gatewayDir);
    stops.push(() => agent.process.stop());
    await waitFor('the gateway online', () => online(hub, 'gw-e2e'));

    expect((await hub.api('POST', '/api/v1/gateways/gw-e2e/disable')).status).toBe(200);
    expect(await online(hub, 'gw-e2e')).toBe(false);
    await waitFor('the agent to see its link gone', async () => !(await agent.health()).uplink.connected);
    await waitFor('a reconnect refused as disabled', async () => (await metric(hub, 'disabled')) >= 1, 20_000);
    expect(await online(hub, 'gw-e2e')).toBe(false);

    expect((await hub.api('POST', '/api/v1/gateways/gw-e2e/enable')).status).toBe(200);
    await waitFor('the gateway back', () => online(hub, 'gw-e2e'), 30_000);

    const rotated = await hub.api('POST', '/api/v1/gateways/gw-e2e/rotate');
    expect(rotated.status).toBe(200);
    expect(await online(hub, 'gw-e2e')).toBe(false);
    await waitFor('a reconnect refused: the old password', async () => (await metric(hub, 'wrong_password')) >= 1, 20_000);
    expect((await provision(hub, rotated.body.provisioning.token, gatewayDir)).code).toBe(0);
    // The running agent reads its credentials again before each reconnect.
    await waitFor('the gateway back with its new password', () => online(hub, 'gw-e2e'), 40_000);
  });
});

describe('TLS between agent and hub', () => {
  it('the agent refuses a hub whose certificate does not chain to its CA', async () => {
    const { hub, gatewayDir } = await stack();
    expect((await provision(hub, (await createGateway(hub, 'gw-e2e')).token, gatewayDir)).code).toBe(0);
    const other = await generateCerts(join(gatewayDir, 'other-ca'));
    const config = parse(readFileSync(join(gatewayDir, 'agent.yaml'), 'utf8'));
    writeFileSync(join(gatewayDir, 'agent.yaml'), stringify({ ...config, hub: { ...config.hub, ca: other.ca }, logLevel: 'warn' }));
    const agent: RunningProcess = startProcess('node', [AGENT_CLI, 'run', '--config', join(gatewayDir, 'agent.yaml')]);
    stops.push(() => agent.stop());
    await agent.waitForLine(/"msg":"uplink error"/);
    expect(agent.output()).toMatch(/self-signed certificate in certificate chain|unable to verify|certificate/);
    expect(await online(hub, 'gw-e2e')).toBe(false);
    expect((await hub.api('GET', '/api/v1/gateways/gw-e2e')).body.lastSeen).toBeNull();
  });
});
