import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { apiFixture, bearer, type ApiFixture } from '../test-support/api-fixture.js';
import { grantedTenant } from './token-policy.js';

describe('API tokens through the API', () => {
  let api: ApiFixture | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });
  const as = (token: string, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
    api!.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });

  it('creates a token that works at once, lists it without any secret, and revokes it at once (401 after)', async () => {
    api = await apiFixture();
    api.registry.tenants.create('north');
    const before = Date.now();
    const created = await as(api.tokens.admin, 'POST', '/api/v1/tokens', { name: 'ops-anna', role: 'operator', tenant: 'north', expiresIn: '30d' });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({ name: 'ops-anna', role: 'operator', tenant: 'north', revoked: null, lastUsed: null, token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(body.expires - body.created).toBe(30 * 86_400_000);
    expect(body.created).toBeGreaterThanOrEqual(before);

    expect((await as(body.token, 'GET', '/api/v1/devices')).statusCode).toBe(200);
    const listed = await as(api.tokens.admin, 'GET', '/api/v1/tokens');
    const entry = listed.json().tokens.find((t: { id: string }) => t.id === body.id);
    expect(entry).toEqual({ ...body, token: undefined, lastUsed: expect.any(Number) });
    expect(listed.body).not.toContain(body.token);
    expect(listed.body).not.toMatch(/hash|[0-9a-f]{64}/);

    const revoked = await as(api.tokens.admin, 'DELETE', `/api/v1/tokens/${body.id}`);
    expect(revoked.json()).toMatchObject({ id: body.id, revoked: expect.any(Number) });
    const refused = await as(body.token, 'GET', '/api/v1/devices');
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toEqual({ error: { code: 'unauthorized', message: 'this token was revoked' } });
    expect((await as(api.tokens.admin, 'DELETE', '/api/v1/tokens/0123456789abcdef')).json().error.code).toBe('token_not_found');
  });

  it('refuses an expired token', async () => {
    api = await apiFixture();
    const { token } = api.registry.tokens.create('viewer', 'yesterday', { expires: Date.now() - 1 });
    const refused = await as(token, 'GET', '/api/v1/devices');
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.message).toBe('this token has expired');
    const { token: fresh } = api.registry.tokens.create('viewer', 'tomorrow', { expires: Date.now() + 86_400_000 });
    expect((await as(fresh, 'GET', '/api/v1/devices')).statusCode).toBe(200);
  });

  it('lets a tenant admin create tokens only in its tenant, never a platform token; a platform admin must say which', async () => {
    api = await apiFixture();
    api.registry.tenants.create('north');
    api.registry.tenants.create('south');
    const northAdmin = api.token('admin', 'north admin', 'north');
    const post = (token: string, payload: object) => as(token, 'POST', '/api/v1/tokens', payload);
    expect((await post(northAdmin, { name: 'a', role: 'viewer' })).json().tenant).toBe('north');
    expect((await post(northAdmin, { name: 'b', role: 'admin', tenant: 'north' })).json().tenant).toBe('north');
    for (const tenant of [null, 'south', 'west']) {
      const refused = await post(northAdmin, { name: 'c', role: 'viewer', tenant });
      expect(refused.statusCode, String(tenant)).toBe(403);
    }
    expect((await post(api.tokens.admin, { name: 'd', role: 'viewer' })).statusCode).toBe(400);
    expect((await post(api.tokens.admin, { name: 'e', role: 'admin', tenant: null })).json().tenant).toBeNull();
    expect((await post(api.tokens.admin, { name: 'f', role: 'viewer', tenant: 'west' })).json().error.code).toBe('tenant_not_found');
    expect((await post(api.tokens.operator, { name: 'g', role: 'viewer', tenant: null })).statusCode).toBe(403);
    // The tenant admin lists and revokes its tenant's tokens only.
    expect((await as(northAdmin, 'GET', '/api/v1/tokens')).json().tokens.map((t: { name: string }) => t.name)).toEqual(['north admin', 'a', 'b']);
    const platformToken = api.registry.tokens.list().find((t) => t.name === 'e')!;
    expect((await as(northAdmin, 'DELETE', `/api/v1/tokens/${platformToken.id}`)).statusCode).toBe(404);
    expect((await as(northAdmin, 'GET', '/api/v1/tenants')).statusCode).toBe(403);
    expect((await as(northAdmin, 'POST', '/api/v1/tenants', { id: 'mine' })).statusCode).toBe(403);
  });

  it('never grants a role above the caller\'s own', () => {
    const operator = { id: 'x', name: 'ops', role: 'operator' as const, tenant: 'north' };
    expect(grantedTenant(operator, { role: 'viewer' })).toBe('north');
    expect(grantedTenant(operator, { role: 'operator', tenant: 'north' })).toBe('north');
    expect(() => grantedTenant(operator, { role: 'admin' })).toThrow(/operator role and cannot create a token with the admin role/);
    expect(() => grantedTenant({ ...operator, tenant: null, role: 'viewer' }, { role: 'operator', tenant: null })).toThrow(/viewer role/);
  });

  it('keeps no token in the database file, only its SHA-256', async () => {
    api = await apiFixture();
    const created = (await as(api.tokens.admin, 'POST', '/api/v1/tokens', { name: 'scada', role: 'viewer', tenant: 'default' })).json();
    api.registry.close();
    const files = ['registry.db', 'registry.db-wal'].map((f) => join(api!.dir, f));
    const bytes = Buffer.concat(files.map((f) => { try { return readFileSync(f); } catch { return Buffer.alloc(0); } }));
    for (const token of [created.token, ...Object.values(api.tokens)]) expect(bytes.includes(Buffer.from(token))).toBe(false);
    expect(bytes.includes(Buffer.from(created.id))).toBe(true);
  });

  it('never logs a token, not even at debug level, whatever the answer', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _encoding, done) => { lines.push(String(chunk)); done(); } });
    api = await apiFixture({ logger: createLogger('trace', sink) });
    const created = (await as(api.tokens.admin, 'POST', '/api/v1/tokens', { name: 'ops', role: 'operator', tenant: 'default' })).json();
    await as(created.token, 'GET', '/api/v1/devices');
    await as(created.token, 'POST', '/api/v1/gateways', { id: 'gw-1' });
    await as('not-a-token-but-secret-looking-0123456789', 'GET', '/api/v1/devices');
    await as(api.tokens.admin, 'DELETE', `/api/v1/tokens/${created.id}`);
    const log = lines.join('');
    expect(log).toContain('"url":"/api/v1/devices"');
    for (const secret of [created.token, api.tokens.admin, 'not-a-token-but-secret-looking-0123456789']) expect(log).not.toContain(secret);
  });
});
