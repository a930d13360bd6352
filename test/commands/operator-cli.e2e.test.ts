import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AFFERENT_CLI as AFFERENT, AGENT_CLI as AGENT, HUB_CLI as HUB } from '../../bench/src/stack/stack.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from '@afferent/cloud-hub';
import { loadProfileLibrary } from '@afferent/device-profiles';
import { startModbusSimulator, type ModbusSimulator } from '@afferent/simulators';
import { provisionGateway, runNodeProgram, startProcess, type ProgramRun, type RunningProcess } from '@afferent/testkit';
import { waitFor } from '@afferent/testkit';

const ADMIN = 'operator-cli-admin-token-0123456789abcdef';

let dir: string;
let sim: ModbusSimulator;
const processes: RunningProcess[] = [];
let api = '';
const tokens = { operator: '', viewer: '' };

/** Run `afferent` to the end, as the operator unless the environment says otherwise. */
function afferent(args: string[], env: Record<string, string> = {}): Promise<ProgramRun> {
  return runNodeProgram(AFFERENT, args, { AFFERENT_URL: api, AFFERENT_TOKEN: tokens.operator, ...env });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'afferent-operator-cli-'));
  const hubData = join(dir, 'hub');
  // No token API yet: the operator's and the viewer's tokens are provisioned in the registry before the hub starts.
  const registry = Registry.open(hubData);
  tokens.operator = registry.tokens.create('operator', 'ops-anna').token;
  tokens.viewer = registry.tokens.create('viewer', 'wall-screen').token;
  registry.close();
  const hub = startProcess('node', [HUB, 'run', '--host', '127.0.0.1', '--http-port', '0', '--mqtt-port', '0', '--data', hubData], { env: { AFFERENT_ADMIN_TOKEN: ADMIN } });
  processes.push(hub);
  const [, apiUrl, mqttUrl] = await hub.waitForLine(/afferent hub ready: api (\S+) mqtt (\S+)/);
  api = apiUrl!;
  const mqtt = await provisionGateway(api, ADMIN, 'gw-1');

  sim = await startModbusSimulator({ devices: [{ unitId: 1, profile: loadProfileLibrary().profiles.get('xy-md02')! }] });
  sim.unit(1).set('temperature', 21.5);
  writeFileSync(join(dir, 'agent.yaml'), `gateway: { id: gw-1 }
hub: { url: "${mqttUrl}", password: "${mqtt.password}" }
dataDir: agent
status: { port: 0 }
logLevel: warn
devices:
  - { id: th-1, profile: xy-md02, interval: 200ms, connection: { url: "${sim.url}", unitId: 1 } }
`);
  const agent = startProcess('node', [AGENT, 'run', '--config', join(dir, 'agent.yaml')]);
  processes.push(agent);
  await agent.waitForLine(/afferent agent ready/);
  await waitFor('th-1 with a value at the hub', async () => {
    const response = await fetch(`${api}/api/v1/devices/th-1`, { headers: { authorization: `Bearer ${ADMIN}` } });
    return response.ok && ((await response.json()) as { latest: Record<string, unknown> }).latest.temperature !== undefined;
  });
});

afterAll(async () => {
  for (const p of processes.splice(0).reverse()) await p.stop();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the afferent operator CLI against a running hub, agent and device', () => {
  it('writes, waits and prints the outcome: done and read back', async () => {
    const { code, stdout, stderr } = await afferent(['write', 'th-1', 'temperature_correction=1.5', 'baud_rate=19200']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^th-1: done in \d+ ms, read back \(command [0-9a-f-]{36}\)$/);
    expect(lines.slice(1)).toEqual(['  temperature_correction = 1.5 °C  (read back 1.5 °C)', '  baud_rate = 19200  (read back 19200)']);
    expect(sim.unit(1).get('temperature_correction')).toBe(1.5);
  });

  it('prints why a write failed at the device, with its code, and exits 1', async () => {
    sim.setFault({ kind: 'exception', code: 2 }, 1);
    try {
      const { code, stdout } = await afferent(['write', 'th-1', 'humidity_correction=-2', '--no-readback']);
      expect(code).toBe(1);
      expect(stdout).toMatch(/^th-1: failed: th-1 \(tcp:\/\/127\.0\.0\.1:\d+ unit 1\) write humidity_correction: Modbus exception 2 \(illegal data address\) \[device code 2\]/);
    } finally {
      sim.setFault(undefined, 1);
    }
  });

  it('refuses bad input clearly: the hub\'s reason (exit 3), an unknown point (exit 2), a viewer token (exit 3), no hub (exit 4)', async () => {
    const range = await afferent(['write', 'th-1', 'temperature_correction=50']);
    expect([range.code, range.stderr]).toEqual([3, 'afferent: the hub answered 400: point temperature_correction: 50 is above the maximum 10\n']);
    const unknown = await afferent(['write', 'th-1', 'colour=red']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('profile xy-md02 has no point "colour"; writable: unit_address, baud_rate, temperature_correction, humidity_correction');
    const viewer = await afferent(['write', 'th-1', 'humidity_correction=1'], { AFFERENT_TOKEN: tokens.viewer });
    expect([viewer.code, viewer.stderr]).toEqual([3, 'afferent: not allowed: this needs the operator role; the token "wall-screen" has viewer\n']);
    const away = await afferent(['devices', '--url', 'http://127.0.0.1:1']);
    expect(away.code).toBe(4);
    expect(away.stderr).toMatch(/^afferent: cannot reach the hub at http:\/\/127\.0\.0\.1:1: /);
  });

  it('lists devices, shows one, and shows the command ledger (as text and as JSON)', async () => {
    const devices = await afferent(['devices']);
    expect(devices.code).toBe(0);
    expect(devices.stdout.split('\n')[0]).toMatch(/^DEVICE\s+GATEWAY\s+PROFILE\s+PROTOCOL\s+LAST SEEN\s+POINTS$/);
    expect(devices.stdout).toMatch(/^th-1\s+gw-1\s+xy-md02 v1\s+modbus\s+\d+s ago/m);
    const device = await afferent(['device', 'th-1']);
    expect(device.stdout).toMatch(/^temperature\s+int16\s+r\s+21\.5 °C\s+-40…125/m);
    const ledger = await afferent(['commands', '--device', 'th-1', '--json']);
    const { commands } = JSON.parse(ledger.stdout) as { commands: { createdBy: string; status: string }[] };
    expect(commands.length).toBeGreaterThanOrEqual(2);
    expect(commands.every((c) => c.createdBy === 'ops-anna')).toBe(true);
    const text = await afferent(['commands', '--status', 'succeeded']);
    expect(text.stdout).toMatch(/ th-1\s+succeeded\s+ops-anna\s+temperature_correction=1\.5 baud_rate=19200/);
  });
});
