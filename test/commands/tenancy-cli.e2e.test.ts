import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNodeProgram, startProcess, type ProgramRun, type RunningProcess } from '@afferent/testkit';
import { AFFERENT_CLI as AFFERENT, HUB_CLI as HUB } from '../../bench/src/stack/stack.js';

const PLATFORM = 'tenancy-cli-platform-admin-token-0123456789';

let dir: string;
let hub: RunningProcess;
let api = '';

function afferent(args: string[], token = PLATFORM): Promise<ProgramRun> {
  return runNodeProgram(AFFERENT, args, { AFFERENT_URL: api, AFFERENT_TOKEN: token });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'afferent-tenancy-cli-'));
  hub = startProcess('node', [HUB, 'run', '--host', '127.0.0.1', '--http-port', '0', '--mqtt-port', '0', '--data', join(dir, 'hub')], { env: { AFFERENT_ADMIN_TOKEN: PLATFORM } });
  [, api] = (await hub.waitForLine(/afferent hub ready: api (\S+)/)) as [string, string];
});

afterAll(async () => {
  await hub?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('afferent tenants, tokens and audit against a running hub', () => {
  it('creates a tenant and its admin, who works in it, lists and revokes tokens; the audit log tells who did what', async () => {
    expect(await afferent(['tenants', 'create', 'water', '--name', 'Water department'])).toMatchObject({ code: 0, stdout: 'tenant water created\n' });
    const tenants = await afferent(['tenants']);
    expect(tenants.stdout.split('\n').slice(1, 3).map((l) => l.split(/\s+/)[0])).toEqual(['default', 'water']);

    const created = await afferent(['tokens', 'create', 'water-admin', '--role', 'admin', '--tenant', 'water', '--expires', '30d', '--json']);
    expect(created.code).toBe(0);
    const admin = JSON.parse(created.stdout) as { id: string; token: string; tenant: string; expires: number };
    expect(admin.tenant).toBe('water');
    const text = await afferent(['tokens', 'create', 'wall-screen', '--role', 'viewer'], admin.token);
    expect(text.stdout).toMatch(/^token [0-9a-f]{16} "wall-screen": viewer, water, expires never\nshown only now, the hub keeps only its hash:\n {2}[A-Za-z0-9_-]{43}\n$/);

    expect((await afferent(['gateways', 'create', 'pump-1'], admin.token)).code).toBe(0);
    const platformView = await afferent(['gateways', '--json']);
    expect(JSON.parse(platformView.stdout).gateways.map((g: { id: string; tenant: string }) => `${g.id}@${g.tenant}`)).toEqual(['pump-1@water']);

    // A tenant admin: no platform tokens, no tenants.
    const platform = await afferent(['tokens', 'create', 'x', '--role', 'viewer', '--platform'], admin.token);
    expect(platform).toMatchObject({ code: 3, stderr: expect.stringMatching(/not allowed: .*cannot create platform tokens/) });
    expect((await afferent(['tenants'], admin.token)).code).toBe(3);

    const listed = await afferent(['tokens'], admin.token);
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+ROLE\s+TENANT\s+CREATED\s+EXPIRES\s+LAST USED\s+STATE$/);
    expect(listed.stdout).toMatch(new RegExp(`^${admin.id}\\s+water-admin\\s+admin\\s+water\\s+.*active$`, 'm'));
    expect(listed.stdout).not.toContain(admin.token);
    expect(listed.stdout).not.toContain('AFFERENT_ADMIN_TOKEN');

    expect(await afferent(['tokens', 'revoke', admin.id])).toMatchObject({ code: 0, stdout: `token ${admin.id} "water-admin" revoked\n` });
    expect(await afferent(['gateways'], admin.token)).toMatchObject({ code: 3, stderr: 'afferent: the hub refused the token: this token was revoked\n' });

    const audit = await afferent(['audit']);
    expect(audit.code).toBe(0);
    const rows = audit.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^TIME\s+BY\s+TENANT\s+ACTION\s+TARGET\s+OUTCOME\s+DETAILS$/);
    expect(rows.slice(1).map((r) => r.split(/\s{2,}/).slice(1, 6).join(' | ')).reverse()).toEqual([
      'AFFERENT_ADMIN_TOKEN | water | tenant.create | water | ok',
      `AFFERENT_ADMIN_TOKEN | water | token.create | ${admin.id} | ok`,
      expect.stringMatching(/^water-admin \| water \| token\.create \| [0-9a-f]{16} \| ok$/),
      'water-admin | water | gateway.create | pump-1 | ok',
      'water-admin | water | token.create | x | refused',
      `AFFERENT_ADMIN_TOKEN | water | token.revoke | ${admin.id} | ok`,
    ]);
    const json = JSON.parse((await afferent(['audit', '--action', 'gateway.create', '--json'])).stdout) as { entries: { target: string }[] };
    expect(json.entries.map((e) => e.target)).toEqual(['pump-1']);
  });
});
