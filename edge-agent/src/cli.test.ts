import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProfileLibrary } from '@afferent/device-profiles';
import { startModbusSimulator } from '@afferent/simulators';
import { tempDirs } from './test-support/temp-dir.js';
import { waitFor } from '@afferent/testkit';

/** Processes spawned by tests run the compiled agent (`npm test` builds first). */
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const run = promisify(execFile);
const dirs = tempDirs();
const children: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  dirs.cleanup();
});

function configFile(text: string): string {
  const path = join(dirs.make(), 'agent.yaml');
  writeFileSync(path, text);
  return path;
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  expect(existsSync(CLI), `${CLI} is missing: build first (npm run build)`).toBe(true);
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const BROKEN = `gateway: { id: gw-1 }
hub: { url: "mqtt://127.0.0.1:1883", passwordFile: nowhere.txt }
devices:
  - { id: m1, profile: eastron-sdm120, connection: { url: "tcp://10.0.0.5:502" } }
  - { id: m1, profile: xy-md02, connection: { url: "tcp://10.0.0.6:502" } }
  - { id: m3, profile: x, connection: { url: "tcp://10.0.0.7:502" } }
  - { id: m4, profile: xy-md02, connection: { host: 10.0.0.8 } }
outbox: { maxBytes: lots }
`;

describe('edge-agent CLI (compiled)', () => {
  it('check-config prints every problem with file:line and exits 1', async () => {
    const path = configFile(BROKEN);
    const { code, stderr, stdout } = await cli('check-config', path);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toEqual([
      `${path}:2 hub.passwordFile: cannot read ${join(path, '..', 'nowhere.txt')}: it does not exist`,
      `${path}:5 devices[1].id: duplicate device id "m1" (first at devices[0])`,
      `${path}:6 devices[2].profile: unknown profile "x"; known: ${[...loadProfileLibrary().profiles.keys()].sort().join(', ')}`,
      `${path}:7 devices[3].connection.url: missing (required)`,
      `${path}:7 devices[3].connection.host: unknown field; known fields: url, unitId, timeout, baudRate, parity, dataBits, stopBits`,
      `${path}:8 outbox.maxBytes: expected a size in bytes, or with a unit such as 256MiB or 1GB, got "lots"`,
      `${path}: 6 problems`,
    ]);
  });

  it('check-config summarises a good file and exits 0', async () => {
    const path = configFile(BROKEN.split('\n').slice(0, 4).join('\n').replace(', passwordFile: nowhere.txt', ''));
    expect(await cli('check-config', path)).toEqual({
      code: 0,
      stdout: `${path}: ok: gateway gw-1, 1 device (eastron-sdm120), hub mqtt://127.0.0.1:1883, data in ${join(path, '..', '.afferent/agent')}\n`,
      stderr: '',
    });
  });

  it('prints usage and exits 2 when called wrong', async () => {
    const { code, stderr } = await cli('frobnicate');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^usage:/);
  });

  it('scan modbus finds the units on a line and prints JSON', async () => {
    const sim = await startModbusSimulator({ devices: [{ unitId: 4, profile: loadProfileLibrary().profiles.get('xy-md02')! }] });
    try {
      const { code, stdout, stderr } = await cli('scan', 'modbus', '--host', '127.0.0.1', '--port', String(sim.port), '--units', '3-4', '--ranges', 'input:1-2', '--json');
      expect({ code, stderr }).toEqual({ code: 0, stderr: 'unit 3 (1/2)… 0 found\nunit 4 (2/2)… 0 found\n' });
      expect(JSON.parse(stdout)).toMatchObject({ scanned: 2, units: [{ unitId: 4, probe: 'data', readable: [{ table: 'input', from: 1, to: 2 }] }] });
    } finally {
      await sim.close();
    }
  });

  it('run prints one ready line, serves status, and stops cleanly on SIGTERM', async () => {
    const path = configFile(`gateway: { id: gw-cli }
hub: { url: "mqtt://127.0.0.1:1" }
status: { port: 0 }
logLevel: warn
devices:
  - { id: m1, profile: eastron-sdm120, connection: { url: "tcp://127.0.0.1:1" } }
`);
    const child = spawn(process.execPath, [CLI, 'run', '--config', path], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = once(child, 'exit');
    const ready = await waitFor('the ready line', () => /^afferent agent ready: gateway gw-cli, 1 device, status (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout));
    const health = (await (await fetch(`${ready[1]}/healthz`)).json()) as { gateway: string; devices: Record<string, unknown> };
    expect(health).toMatchObject({ gateway: 'gw-cli', devices: { m1: { reachable: false } } });
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
  });

  it('applies the file\'s devices again on SIGHUP, and keeps running what it has when the file has problems', async () => {
    const text = `gateway: { id: gw-hup }
hub: { url: "mqtt://127.0.0.1:1" }
status: { port: 0 }
logLevel: warn
devices:
  - { id: m1, profile: eastron-sdm120, connection: { url: "tcp://127.0.0.1:1" } }
`;
    const path = configFile(text);
    const child = spawn(process.execPath, [CLI, 'run', '--config', path], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [, status] = await waitFor('the ready line', () => /status (http:\/\/\S+)$/m.exec(stdout));
    const devices = async () => Object.keys(((await (await fetch(`${status}/healthz`)).json()) as { devices: object }).devices).sort();
    writeFileSync(path, `${text}  - { id: m2, profile: xy-md02, connection: { url: "tcp://127.0.0.1:1", unitId: 2 } }\n`);
    child.kill('SIGHUP');
    await waitFor('the reload to start m2', async () => (await devices()).length === 2);
    writeFileSync(path, `${text}  - { id: m3, profile: nope, connection: {} }\n`);
    child.kill('SIGHUP');
    await waitFor('the problem to be reported', () => stderr.includes('devices[1].profile: unknown profile "nope"'));
    expect(await devices()).toEqual(['m1', 'm2']);
    child.kill('SIGTERM');
    expect((await once(child, 'exit'))[0]).toBe(0);
  });

  it('provision refuses what cannot work before it contacts anyone', async () => {
    const token = `${'a'.repeat(43)}.${'0'.repeat(64)}`;
    expect(await cli('provision', '--hub', 'http://hub:8080', '--token', token)).toMatchObject({ code: 2, stderr: expect.stringMatching(/--hub must be https:\/\//) });
    expect(await cli('provision', '--hub', 'https://hub:8080', '--token', 'abc')).toMatchObject({ code: 2, stderr: expect.stringMatching(/not a provisioning token/) });
    expect(await cli('provision', '--hub', 'https://127.0.0.1:1', '--token', token)).toMatchObject({ code: 1, stderr: expect.stringMatching(/cannot reach https:\/\/127\.0\.0\.1:1/) });
  });
});
