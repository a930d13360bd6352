import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnCli, type CliProcess } from './test-support/cli-process.js';
import { waitFor } from '@afferent/testkit';

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

  it('takes the admin token from AFFERENT_ADMIN_TOKEN and never logs it, a provisioning token or a gateway password', async () => {
    const token = 'an-admin-token-from-the-environment-0123';
    const hub = run(tempDir(), { AFFERENT_ADMIN_TOKEN: token });
    const [, api] = await hub.line(READY, 'the ready line');
    expect(hub.stdout.some((l) => l.startsWith('admin token:'))).toBe(false);
    const created = await fetch(`${api}/api/v1/gateways`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"id":"gw-1"}',
    });
    expect(created.status).toBe(201);
    const { provisioning } = (await created.json()) as { provisioning: { token: string } };
    const exchanged = await fetch(`${api}/api/v1/provision`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: provisioning.token }),
    });
    const { mqtt } = (await exchanged.json()) as { mqtt: { password: string } };
    await waitFor('the provisioning logged', () => hub.stdout.some((l) => l.includes('gateway provisioned')));
    const secrets = [mqtt.password, provisioning.token.split('.')[0]!, token];
    expect(hub.stdout.some((l) => secrets.some((secret) => l.includes(secret)))).toBe(false);
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

  it('certs generate writes a CA and a server certificate for the hosts, and a hub with them serves HTTPS and MQTT over TLS', async () => {
    const dir = tempDir();
    const certs = spawnCli(['certs', 'generate', '--out', join(dir, 'tls'), '--host', '127.0.0.1', '--host', 'localhost']);
    expect(await certs.exit).toBe(0);
    const fingerprint = certs.stdout.find((l) => l.startsWith('CA fingerprint'))?.split(': ')[1];
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const caPem = readFileSync(join(dir, 'tls/ca.crt'), 'utf8');
    expect(new X509Certificate(caPem).fingerprint256.replaceAll(':', '').toLowerCase()).toBe(fingerprint);
    const server = new X509Certificate(readFileSync(join(dir, 'tls/server.crt'), 'utf8'));
    expect(server.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost');
    expect(server.verify(new X509Certificate(caPem).publicKey)).toBe(true);

    writeFileSync(join(dir, 'hub.yaml'), `tls: { cert: tls/server.crt, key: tls/server.key, ca: tls/ca.crt }\nmqtt: { tlsPort: 0 }\n`);
    const hub = spawnCli(['run', '--config', join(dir, 'hub.yaml'), '--host', '127.0.0.1', '--http-port', '0', '--data', join(dir, 'data')], { AFFERENT_ADMIN_TOKEN: 'an-admin-token-from-the-environment-0123' });
    processes.push(hub);
    const [, api, mqtts] = await hub.line(/^afferent hub ready: api (https:\/\/127\.0\.0\.1:\d+) mqtt (mqtts:\/\/127\.0\.0\.1:\d+)$/, 'the ready line');
    expect(api).toBeDefined();
    expect(mqtts).toBeDefined();
  });
});
