import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnCli, type CliProcess } from './test-support/cli-process.js';
import { waitFor } from './test-support/wait-for.js';

const READY = /^afferent hub ready: api (http:\/\/127\.0\.0\.1:\d+) mqtt (mqtt:\/\/127\.0\.0\.1:\d+)$/;

describe('cloud-hub CLI', () => {
  const dirs: string[] = [];
  const processes: CliProcess[] = [];
  afterEach(async () => {
    for (const p of processes.splice(0)) {
      if (p.child.exitCode === null) p.child.kill('SIGKILL');
      await p.exit;
    }
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'afferent-cli-'));
    dirs.push(dir);
    return dir;
  };
  const run = (dataDir: string, env: Record<string, string> = {}) => {
    const p = spawnCli(['run', '--host', '127.0.0.1', '--http-port', '0', '--mqtt-port', '0', '--data', dataDir], env);
    processes.push(p);
    return p;
  };
  const devices = (api: string, token: string) => fetch(`${api}/api/v1/devices`, { headers: { authorization: `Bearer ${token}` } });

  it('prints the admin token once, then the ready line; stops cleanly on SIGTERM', async () => {
    const dataDir = tempDir();
    const first = run(dataDir);
    const [, api] = await first.line(READY, 'the ready line');
    const tokenLine = first.stdout.findIndex((l) => l.startsWith('admin token: '));
    expect(tokenLine).toBeGreaterThanOrEqual(0);
    expect(tokenLine).toBeLessThan(first.stdout.findIndex((l) => READY.test(l)));
    const token = first.stdout[tokenLine]!.slice('admin token: '.length);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await devices(api!, token)).status).toBe(200);
    // The token appears on that one line only; the log lines never carry it.
    expect(first.stdout.filter((l) => l.includes(token))).toHaveLength(1);

    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);

    const second = run(dataDir);
    const [, api2] = await second.line(READY, 'the ready line after a restart');
    expect(second.stdout.some((l) => l.startsWith('admin token:'))).toBe(false);
    expect((await devices(api2!, token)).status).toBe(200);
    second.child.kill('SIGINT');
    expect(await second.exit).toBe(0);
  });

  it('takes the admin token from AFFERENT_ADMIN_TOKEN and prints none', async () => {
    const token = 'an-admin-token-from-the-environment-0123';
    const hub = run(tempDir(), { AFFERENT_ADMIN_TOKEN: token });
    const [, api] = await hub.line(READY, 'the ready line');
    expect(hub.stdout.some((l) => l.startsWith('admin token:'))).toBe(false);
    const created = await fetch(`${api}/api/v1/gateways`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"id":"gw-1"}',
    });
    expect(created.status).toBe(201);
    const { mqtt } = (await created.json()) as { mqtt: { password: string } };
    await waitFor(() => hub.stdout.some((l) => l.includes('gateway created')), 'the creation logged');
    expect(hub.stdout.some((l) => l.includes(mqtt.password) || l.includes(token))).toBe(false);
  });

  it('check-config prints ok, or every problem and exits 1', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'good.yaml'), 'http: { port: 8080 }\n');
    writeFileSync(join(dir, 'bad.yaml'), 'http: { port: -1 }\nlogLevel: loud\n');
    const good = spawnCli(['check-config', join(dir, 'good.yaml')]);
    expect(await good.exit).toBe(0);
    expect(good.stdout).toContain('ok');
    const bad = spawnCli(['check-config', join(dir, 'bad.yaml')]);
    expect(await bad.exit).toBe(1);
    expect(bad.stderr.filter(Boolean)).toEqual([
      `${join(dir, 'bad.yaml')}:1 http.port: expected a TCP port 0–65535 (0: any free port), got -1`,
      `${join(dir, 'bad.yaml')}:2 logLevel: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"`,
    ]);
    const usage = spawnCli(['run', '--http-port', 'x']);
    expect(await usage.exit).toBe(2);
  });
});
