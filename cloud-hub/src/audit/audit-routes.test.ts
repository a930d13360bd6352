import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiFixture, bearer, type ApiFixture } from '../test-support/api-fixture.js';

interface Entry {
  actor: { id: string; name: string };
  tenant: string | null;
  action: string;
  target: string | null;
  outcome: string;
  details?: Record<string, unknown>;
}

describe('audit log', () => {
  let api: ApiFixture;
  beforeEach(async () => {
    api = await apiFixture();
  });
  afterEach(() => api.close());
  const as = (token: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    api.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });
  const entries = async (token: string, query = '') => (await as(token, 'GET', `/api/v1/audit${query}`)).json().entries as Entry[];

  it('records every admin action with who, tenant, target and outcome, and no secret', async () => {
    const admin = api.tokens.admin;
    expect((await as(admin, 'POST', '/api/v1/tenants', { id: 'north' })).statusCode).toBe(201);
    const north = (await as(admin, 'POST', '/api/v1/tokens', { name: 'north admin 2', role: 'admin', tenant: 'north' })).json();
    const created = (await as(north.token, 'POST', '/api/v1/gateways', { id: 'gw-n' })).json();
    await as(north.token, 'PATCH', '/api/v1/gateways/gw-n', { name: 'Hall B' });
    await as(north.token, 'POST', '/api/v1/gateways/gw-n/disable');
    await as(north.token, 'POST', '/api/v1/gateways/gw-n/enable');
    const rotated = (await as(north.token, 'POST', '/api/v1/gateways/gw-n/rotate')).json();
    expect((await as(north.token, 'PUT', '/api/v1/gateways/gw-n/config', { devices: [] })).statusCode).toBe(200);
    api.registry.devices.claim('gw-n', { id: 'th-n', profile: 'xy-md02', profileVersion: 1, protocol: 'modbus' });
    const applied = api.alarms.store.applyAutomatic({
      device: 'th-n', gateway: 'gw-n', tenant: 'north', alarm: 'hot', state: 'raised', t: 1, severity: 'major', message: 'hot', values: {}, source: 'edge', by: 'gw-n',
    });
    const alarm = typeof applied === 'string' ? 0 : applied.record.id;
    await as(north.token, 'POST', `/api/v1/alarms/${alarm}/ack`, { comment: 'on it' });
    await as(north.token, 'POST', `/api/v1/alarms/${alarm}/clear`);
    const command = (await as(north.token, 'POST', '/api/v1/devices/th-n/commands', { write: { temperature_correction: 1 } })).json();
    await as(north.token, 'POST', `/api/v1/commands/${command.id}/cancel`);
    await as(admin, 'DELETE', `/api/v1/tokens/${north.id}`);

    const all = await entries(admin);
    expect(all.map((e) => `${e.action} ${e.target} ${e.tenant} ${e.actor.name} ${e.outcome}`).reverse()).toEqual([
      'tenant.create north north test admin ok',
      `token.create ${north.id} north test admin ok`,
      'gateway.create gw-n north north admin 2 ok',
      'gateway.update gw-n north north admin 2 ok',
      'gateway.disable gw-n north north admin 2 ok',
      'gateway.enable gw-n north north admin 2 ok',
      'gateway.rotate gw-n north north admin 2 ok',
      'config.push gw-n north north admin 2 ok',
      `alarm.ack ${alarm} north north admin 2 ok`,
      `alarm.clear ${alarm} north north admin 2 ok`,
      `command.cancel ${command.id} north north admin 2 ok`,
      `token.revoke ${north.id} north test admin ok`,
    ]);
    expect(all.find((e) => e.action === 'gateway.update')!.details).toEqual({ name: 'Hall B' });
    expect(all.find((e) => e.action === 'alarm.ack')!.details).toMatchObject({ comment: 'on it' });
    const text = JSON.stringify(all);
    for (const secret of [north.token, created.provisioning.token, rotated.provisioning.token]) expect(text).not.toContain(secret);
  });

  it('records refused (403) and failed attempts on admin routes, and writes no ok entry for an action that did not happen', async () => {
    api.registry.tenants.create('north');
    api.registry.gateways.create('gw-n', 'north');
    const operator = api.token('operator', 'north operator', 'north');
    expect((await as(operator, 'POST', '/api/v1/gateways', { id: 'gw-x' })).statusCode).toBe(403);
    const bad = await as(api.tokens.admin, 'PUT', '/api/v1/gateways/gw-n/config', { devices: [{ id: 'd', profile: 'no-such-profile' }] });
    expect(bad.statusCode).toBe(400);
    expect((await as(api.tokens.admin, 'POST', '/api/v1/gateways/gw-zz/disable')).statusCode).toBe(404);
    const all = await entries(api.tokens.admin);
    expect(all.map((e) => `${e.action} ${e.target} ${e.tenant} ${e.outcome} ${JSON.stringify(e.details)}`).reverse()).toEqual([
      // Refused before its body was read: the target of a refusal is known only from the path.
      'gateway.create null north refused {"status":403,"code":"forbidden"}',
      'config.push gw-n null failed {"status":400,"code":"invalid_config"}',
      'gateway.disable gw-zz null failed {"status":404,"code":"gateway_not_found"}',
    ]);
    expect(api.registry.configs.latest('gw-n')).toBeUndefined();
  });

  it('shows a tenant admin its tenant\'s entries only; filters by action, time and limit; needs the admin role', async () => {
    const admin = api.tokens.admin;
    for (const id of ['north', 'south']) await as(admin, 'POST', '/api/v1/tenants', { id });
    const northAdmin = api.token('admin', 'north admin', 'north');
    await as(northAdmin, 'POST', '/api/v1/gateways', { id: 'gw-n' });
    await as(admin, 'POST', '/api/v1/gateways', { id: 'gw-s', tenant: 'south' });
    expect((await entries(northAdmin)).map((e) => `${e.action} ${e.target}`)).toEqual(['gateway.create gw-n', 'tenant.create north']);
    expect((await entries(admin, '?tenant=south')).map((e) => `${e.action} ${e.target}`)).toEqual(['gateway.create gw-s', 'tenant.create south']);
    expect((await as(northAdmin, 'GET', '/api/v1/audit?tenant=south')).statusCode).toBe(403);
    expect((await entries(admin, '?action=gateway.create')).map((e) => e.target)).toEqual(['gw-s', 'gw-n']);
    expect(await entries(admin, '?limit=1')).toHaveLength(1);
    expect(await entries(admin, `?to=${Date.now() - 60_000}`)).toEqual([]);
    expect(await entries(admin, `?from=${new Date(Date.now() - 60_000).toISOString()}`)).toHaveLength(4);
    expect((await as(api.tokens.operator, 'GET', '/api/v1/audit')).statusCode).toBe(403);
  });
});
