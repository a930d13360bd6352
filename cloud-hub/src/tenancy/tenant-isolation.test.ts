import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { followEvents } from '../api/event-stream-client.js';
import type { HubEvent } from '../bus/hub-events.js';
import { apiFixture, bearer, type ApiFixture } from '../test-support/api-fixture.js';
import { waitFor } from '@afferent/testkit';

/**
 * Two tenants, north and south, each with a gateway, a device, an alarm, a
 * command and an admin token. Whatever north's tokens ask of south's
 * resources is answered exactly as for an id that does not exist.
 */
describe('tenant isolation at the API', () => {
  let api: ApiFixture;
  let north: { admin: string; viewer: string };
  let south: { admin: string; alarm: number; command: string; tokenId: string };

  beforeEach(async () => {
    api = await apiFixture();
    const { registry } = api;
    registry.tenants.create('north');
    registry.tenants.create('south');
    for (const [gateway, tenant, device, site] of [['gw-n', 'north', 'th-n', 'n'], ['gw-s', 'south', 'th-s', 's']] as const) {
      registry.gateways.create(gateway, tenant, { labels: { site } });
      registry.devices.claim(gateway, { id: device, profile: 'xy-md02', profileVersion: 1, protocol: 'modbus', labels: { kind: 'th' } });
    }
    north = { admin: api.token('admin', 'north admin', 'north'), viewer: api.token('viewer', 'north viewer', 'north') };
    const southAdmin = registry.tokens.create('admin', 'south admin', { tenant: 'south' });
    const applied = api.alarms.store.applyAutomatic({
      device: 'th-s', gateway: 'gw-s', tenant: 'south', alarm: 'hot', state: 'raised', t: 1000, severity: 'major',
      message: 'hot', values: { temperature: 90 }, source: 'edge', by: 'gw-s',
    });
    const command = await api.app.inject({
      method: 'POST', url: '/api/v1/devices/th-s/commands', headers: bearer(southAdmin.token), payload: { write: { temperature_correction: 1 } },
    });
    expect(command.statusCode).toBe(202);
    south = { admin: southAdmin.token, alarm: typeof applied === 'string' ? -1 : applied.record.id, command: command.json().id, tokenId: southAdmin.record.id };
  });
  afterEach(() => api.close());

  const as = (token: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    api.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });

  /** Every kind of resource, by id: what north's admin tries on south's, and the same request for an id that does not exist. */
  const attempts: { what: string; method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: (id: string) => string; id: () => string; missing: string; payload?: object }[] = [
    { what: 'gateway', method: 'GET', url: (id) => `/api/v1/gateways/${id}`, id: () => 'gw-s', missing: 'gw-x' },
    { what: 'gateway patch', method: 'PATCH', url: (id) => `/api/v1/gateways/${id}`, id: () => 'gw-s', missing: 'gw-x', payload: { name: 'mine' } },
    { what: 'gateway disable', method: 'POST', url: (id) => `/api/v1/gateways/${id}/disable`, id: () => 'gw-s', missing: 'gw-x' },
    { what: 'gateway enable', method: 'POST', url: (id) => `/api/v1/gateways/${id}/enable`, id: () => 'gw-s', missing: 'gw-x' },
    { what: 'gateway rotate', method: 'POST', url: (id) => `/api/v1/gateways/${id}/rotate`, id: () => 'gw-s', missing: 'gw-x' },
    { what: 'config push', method: 'PUT', url: (id) => `/api/v1/gateways/${id}/config`, id: () => 'gw-s', missing: 'gw-x', payload: { devices: [] } },
    { what: 'config get', method: 'GET', url: (id) => `/api/v1/gateways/${id}/config`, id: () => 'gw-s', missing: 'gw-x' },
    { what: 'device', method: 'GET', url: (id) => `/api/v1/devices/${id}`, id: () => 'th-s', missing: 'th-x' },
    { what: 'telemetry', method: 'GET', url: (id) => `/api/v1/devices/${id}/telemetry`, id: () => 'th-s', missing: 'th-x' },
    { what: 'latest values', method: 'GET', url: (id) => `/api/v1/devices/${id}/latest`, id: () => 'th-s', missing: 'th-x' },
    { what: 'command to a device', method: 'POST', url: (id) => `/api/v1/devices/${id}/commands`, id: () => 'th-s', missing: 'th-x', payload: { write: { temperature_correction: 2 } } },
    { what: 'command', method: 'GET', url: (id) => `/api/v1/commands/${id}`, id: () => south.command, missing: '00000000-0000-0000-0000-000000000000' },
    { what: 'command cancel', method: 'POST', url: (id) => `/api/v1/commands/${id}/cancel`, id: () => south.command, missing: '00000000-0000-0000-0000-000000000000' },
    { what: 'alarm', method: 'GET', url: (id) => `/api/v1/alarms/${id}`, id: () => String(south.alarm), missing: '999' },
    { what: 'alarm history', method: 'GET', url: (id) => `/api/v1/alarms/${id}/history`, id: () => String(south.alarm), missing: '999' },
    { what: 'alarm ack', method: 'POST', url: (id) => `/api/v1/alarms/${id}/ack`, id: () => String(south.alarm), missing: '999' },
    { what: 'alarm clear', method: 'POST', url: (id) => `/api/v1/alarms/${id}/clear`, id: () => String(south.alarm), missing: '999' },
    { what: 'token revoke', method: 'DELETE', url: (id) => `/api/v1/tokens/${id}`, id: () => south.tokenId, missing: '0123456789abcdef' },
  ];

  for (const attempt of attempts) {
    it(`answers 404 for another tenant's ${attempt.what}, exactly as for one that does not exist`, async () => {
      const theirs = await as(north.admin, attempt.method, attempt.url(attempt.id()), attempt.payload);
      const none = await as(north.admin, attempt.method, attempt.url(attempt.missing), attempt.payload);
      expect(none.statusCode).toBe(404);
      expect(theirs.statusCode).toBe(404);
      expect(theirs.body).toBe(none.body.replaceAll(attempt.missing, attempt.id()));
    });
  }

  it('changes nothing of the other tenant by trying', async () => {
    for (const attempt of attempts.filter((a) => a.method !== 'GET')) await as(north.admin, attempt.method, attempt.url(attempt.id()), attempt.payload);
    expect(api.registry.gateways.get('gw-s')).toMatchObject({ enabled: true, name: 'gw-s' });
    expect(api.registry.configs.latest('gw-s')).toBeUndefined();
    expect(api.alarms.store.get(south.alarm)).toMatchObject({ active: true, acknowledged: false });
    expect(api.commands.get(south.command)?.status).toBe('queued');
    expect(api.commands.list({ limit: 10 })).toHaveLength(1);
    expect((await as(south.admin, 'GET', '/api/v1/devices')).statusCode).toBe(200);
  });

  it('lists only the caller\'s tenant; a platform token sees all, or one tenant with ?tenant=', async () => {
    const ids = async (token: string, url: string, key: string, field = 'id') =>
      ((await as(token, 'GET', url)).json()[key] as Record<string, unknown>[]).map((item) => item[field]);
    expect(await ids(north.viewer, '/api/v1/gateways', 'gateways')).toEqual(['gw-n']);
    expect(await ids(north.viewer, '/api/v1/devices', 'devices')).toEqual(['th-n']);
    expect(await ids(north.viewer, '/api/v1/alarms', 'alarms')).toEqual([]);
    expect(await ids(north.viewer, '/api/v1/commands', 'commands')).toEqual([]);
    expect(await ids(north.admin, '/api/v1/tokens', 'tokens', 'name')).toEqual(['north admin', 'north viewer']);
    const telemetry = (await as(north.viewer, 'GET', '/api/v1/telemetry?labels=kind:th')).json();
    expect(telemetry.devices).toEqual({});
    expect(await ids(api.tokens.admin, '/api/v1/gateways', 'gateways')).toEqual(['gw-n', 'gw-s']);
    expect(await ids(api.tokens.viewer, '/api/v1/devices?tenant=south', 'devices')).toEqual(['th-s']);
    expect(await ids(api.tokens.viewer, '/api/v1/alarms?tenant=south', 'alarms')).toEqual([south.alarm]);
    expect(await ids(api.tokens.viewer, '/api/v1/commands?tenant=north', 'commands')).toEqual([]);
    expect((await as(api.tokens.viewer, 'GET', '/api/v1/devices?tenant=west')).json().error.code).toBe('tenant_not_found');
    // A tenant token naming a tenant, its own or not, existing or not: its own is fine, any other is refused the same way.
    expect((await as(north.viewer, 'GET', '/api/v1/devices?tenant=north')).statusCode).toBe(200);
    const other = await as(north.viewer, 'GET', '/api/v1/devices?tenant=south');
    const unknown = await as(north.viewer, 'GET', '/api/v1/devices?tenant=west');
    expect([other.statusCode, unknown.statusCode]).toEqual([403, 403]);
    expect(other.body.replace('south', 'west')).toBe(unknown.body.replace('south', 'west'));
  });

  it('creates a tenant admin\'s gateway in its tenant, and never in another', async () => {
    const own = await as(north.admin, 'POST', '/api/v1/gateways', { id: 'gw-n2' });
    expect(own.statusCode).toBe(201);
    expect(own.json().gateway.tenant).toBe('north');
    expect((await as(north.admin, 'POST', '/api/v1/gateways', { id: 'gw-n3', tenant: 'south' })).statusCode).toBe(403);
    expect((await as(api.tokens.admin, 'POST', '/api/v1/gateways', { id: 'gw-s2', tenant: 'south' })).json().gateway.tenant).toBe('south');
    expect((await as(api.tokens.admin, 'POST', '/api/v1/gateways', { id: 'gw-d' })).json().gateway.tenant).toBe('default');
    expect((await as(api.tokens.admin, 'POST', '/api/v1/gateways', { id: 'gw-w', tenant: 'west' })).json().error.code).toBe('tenant_not_found');
  });

  it('refuses to name another tenant\'s gateway in a config, without naming it', async () => {
    const pushed = await as(north.admin, 'PUT', '/api/v1/gateways/gw-n/config', {
      devices: [{ id: 'th-s', profile: 'xy-md02', connection: { url: 'tcp://127.0.0.1:502', unitId: 1 } }],
    });
    expect(pushed.statusCode).toBe(400);
    expect(pushed.json().error.message).toMatch(/device "th-s" belongs to a gateway of another tenant/);
    expect(pushed.body).not.toContain('gw-s');
  });

  it('streams a tenant only its own events: telemetry, alarms, commands, gateways, and its hub rules\' alarms', async () => {
    const address = await api.app.listen({ host: '127.0.0.1', port: 0 });
    const seen = { north: [] as HubEvent[], platform: [] as HubEvent[] };
    const url = `${address}/api/v1/events?types=telemetry,alarm,command,gateway`;
    const streams = [
      await followEvents(url, north.viewer, (event) => seen.north.push(event)),
      await followEvents(url, api.tokens.viewer, (event) => seen.platform.push(event)),
    ];
    try {
      const events: HubEvent[] = [
        { type: 'telemetry', at: 1, gateway: 'gw-s', device: 'th-s', data: {} },
        { type: 'alarm', at: 2, gateway: 'gw-s', device: 'th-s', data: {} },
        { type: 'command', at: 3, gateway: 'gw-s', device: 'th-s', data: {} },
        { type: 'gateway', at: 4, gateway: 'gw-s', data: {} },
        { type: 'alarm', at: 5, device: '@hub', tenant: 'south', data: {} },
        { type: 'alarm', at: 6, device: '@hub', data: {} },
        { type: 'alarm', at: 7, device: '@hub', tenant: 'north', data: {} },
        { type: 'telemetry', at: 8, gateway: 'gw-n', device: 'th-n', data: {} },
      ];
      for (const event of events) api.bus.publish(event);
      await waitFor('the last event on both streams', () => seen.north.some((e) => e.at === 8) && seen.platform.some((e) => e.at === 8));
      expect(seen.north.map((e) => e.at)).toEqual([7, 8]);
      expect(seen.platform.map((e) => e.at)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    } finally {
      for (const stream of streams) stream.close();
    }
  });
});
