import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../storage/sqlite.js';
import { apiFixture, type ApiFixture } from '../test-support/api-fixture.js';
import { waitFor } from '@afferent/testkit';

describe('gateway routes', () => {
  let api: ApiFixture;
  beforeEach(async () => {
    api = await apiFixture();
  });
  afterEach(() => api.close());
  const create = (payload: unknown) => api.app.inject({ method: 'POST', url: '/api/v1/gateways', headers: api.auth('admin'), payload: payload as object });
  const provision = (token: string) => api.app.inject({ method: 'POST', url: '/api/v1/provision', payload: { token } });
  const admin = (method: 'POST' | 'PATCH', url: string, payload?: object) => api.app.inject({ method, url, headers: api.auth('admin'), ...(payload ? { payload } : {}) });

  it('creates a gateway with a one-time provisioning token, stored only as a hash, and no password yet', async () => {
    const before = Date.now();
    const response = await create({ id: 'plant-7', name: 'Plant 7, hall B', labels: { site: 'plant-7' }, location: { lat: 48.1, lon: 11.6 } });
    expect(response.statusCode).toBe(201);
    const { gateway, provisioning } = response.json();
    expect(gateway).toMatchObject({
      id: 'plant-7', name: 'Plant 7, hall B', labels: { site: 'plant-7' }, location: { lat: 48.1, lon: 11.6 },
      enabled: true, provisioned: false, online: false, config: { desired: null, applied: null, sync: 'none' },
    });
    // The fixture's hub has no CA: the token is the bare secret.
    expect(provisioning).toEqual({ token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expires: expect.any(Number), hub: 'https://hub.test:8080' });
    expect(provisioning.expires - before).toBeGreaterThanOrEqual(86_400_000);
    expect(response.body).not.toContain('password');

    const db = openDatabase(join(api.dir, 'registry.db'), { readonly: true });
    const rows = db.prepare<{ hash: string }>('SELECT hash FROM provisioning_tokens').all();
    db.close();
    expect(rows).toEqual([{ hash: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    expect(JSON.stringify(rows)).not.toContain(provisioning.token);
    expect(await api.registry.gateways.checkPassword('plant-7', '')).toBe('wrong');
  });

  it('exchanges a token once for the gateway\'s credentials, and refuses it used, expired, unknown or for a disabled gateway', async () => {
    const { provisioning } = (await create({ id: 'gw-1' })).json();
    const exchanged = await provision(provisioning.token);
    expect(exchanged.statusCode).toBe(200);
    const credentials = exchanged.json();
    expect(credentials).toEqual({ gateway: 'gw-1', mqtt: { url: 'mqtts://hub.test:8883', username: 'gw-1', password: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) } });
    expect(await api.registry.gateways.checkPassword('gw-1', credentials.mqtt.password)).toBe('ok');
    expect(api.registry.gateways.get('gw-1')?.provisioned).toBe(true);

    const again = await provision(provisioning.token);
    expect(again.statusCode).toBe(410);
    expect(again.json().error).toEqual({ code: 'provisioning_token_used', message: expect.stringMatching(/^this provisioning token was used at .*afferent gateways rotate gw-1$/) });

    const short = (await create({ id: 'gw-2', expiresIn: 1000 })).json().provisioning;
    await waitFor('the token to expire', () => Date.now() > short.expires);
    const expired = await provision(short.token);
    expect(expired.statusCode).toBe(410);
    expect(expired.json().error).toEqual({ code: 'provisioning_token_expired', message: expect.stringMatching(/^this provisioning token expired at /) });

    expect((await provision('not-a-token')).json().error.code).toBe('provisioning_token_invalid');
    expect((await provision('A'.repeat(43))).statusCode).toBe(401);

    const { provisioning: third } = (await create({ id: 'gw-3' })).json();
    await admin('POST', '/api/v1/gateways/gw-3/disable');
    expect((await provision(third.token)).json().error.code).toBe('gateway_disabled');
  });

  it('answers 409 for an existing id and 400 for an id that cannot be a topic level', async () => {
    await create({ id: 'gw-1' });
    const duplicate = await create({ id: 'gw-1' });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json()).toEqual({ error: { code: 'gateway_exists', message: 'gateway "gw-1" already exists' } });
    for (const id of ['gw/1', '+', '#', '', 'a b']) {
      const bad = await create({ id });
      expect(bad.statusCode, id).toBe(400);
      expect(bad.json().error.code).toBe('invalid_request');
    }
    expect((await create({ id: 'gw/1' })).json().error.message).toMatch(/^body id: expected a gateway id: .*, got "gw\/1"$/);
    expect((await create({ id: 'gw-2', extra: true })).json()).toEqual({
      error: { code: 'invalid_request', message: 'body extra: unknown field; known fields: id, name, labels, location, expiresIn, tenant' },
    });
  });

  it('lists the fleet with status, device health and config, and filters by label', async () => {
    await create({ id: 'gw-1', labels: { site: 'north' } });
    await create({ id: 'gw-2', labels: { site: 'south' } });
    api.registry.gateways.recordStatus('gw-1', {
      state: 'online', version: '0.3.0', backlog: { batches: 1, readings: 5, bytes: 300, dropped: 0 },
      devices: { 'meter-1': { reachable: false, readErrors: 3, errorsLastMinute: 2, lastError: 'timeout' } },
    }, 1234);
    const list = (await api.app.inject({ url: '/api/v1/gateways', headers: api.auth('viewer') })).json().gateways;
    expect(list.map((g: { id: string }) => g.id)).toEqual(['gw-1', 'gw-2']);
    expect(list[0]).toEqual({
      id: 'gw-1', tenant: 'default', name: 'gw-1', labels: { site: 'north' }, location: null, enabled: true, provisioned: false, created: expect.any(Number),
      online: true, lastSeen: 1234, version: '0.3.0', backlog: { batches: 1, readings: 5, bytes: 300, dropped: 0 },
      devices: { 'meter-1': { reachable: false, readErrors: 3, errorsLastMinute: 2, lastError: 'timeout' } },
      config: { desired: null, applied: null, sync: 'none' },
    });
    const south = (await api.app.inject({ url: '/api/v1/gateways?label=site:south', headers: api.auth('viewer') })).json().gateways;
    expect(south.map((g: { id: string }) => g.id)).toEqual(['gw-2']);
    const missing = await api.app.inject({ url: '/api/v1/gateways/nope', headers: api.auth('viewer') });
    expect(missing.json().error.code).toBe('gateway_not_found');
  });

  it('disables (cutting connections), enables, patches and rotates a gateway', async () => {
    const { provisioning } = (await create({ id: 'gw-1' })).json();
    const { mqtt } = (await provision(provisioning.token)).json();
    expect(api.dropped).toEqual(['gw-1']);

    expect((await admin('POST', '/api/v1/gateways/gw-1/disable')).json()).toMatchObject({ enabled: false });
    expect(api.dropped).toEqual(['gw-1', 'gw-1']);
    expect(await api.registry.gateways.checkPassword('gw-1', mqtt.password)).toBe('disabled');
    expect((await admin('POST', '/api/v1/gateways/gw-1/enable')).json()).toMatchObject({ enabled: true });
    expect((await admin('PATCH', '/api/v1/gateways/gw-1', { name: 'North', labels: { site: 'n' } })).json())
      .toMatchObject({ name: 'North', labels: { site: 'n' }, enabled: true });
    expect((await admin('PATCH', '/api/v1/gateways/gw-1', {})).statusCode).toBe(400);

    const rotated = await admin('POST', '/api/v1/gateways/gw-1/rotate');
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json()).toMatchObject({ gateway: { id: 'gw-1', provisioned: false }, provisioning: { token: expect.any(String) } });
    expect(api.dropped).toHaveLength(3);
    expect(await api.registry.gateways.checkPassword('gw-1', mqtt.password)).toBe('wrong');
    const renewed = (await provision(rotated.json().provisioning.token)).json();
    expect(await api.registry.gateways.checkPassword('gw-1', renewed.mqtt.password)).toBe('ok');
    expect((await admin('POST', '/api/v1/gateways/nope/rotate')).statusCode).toBe(404);
    for (const role of ['viewer', 'operator'] as const) {
      expect((await api.app.inject({ method: 'POST', url: '/api/v1/gateways/gw-1/disable', headers: api.auth(role) })).statusCode).toBe(403);
    }
  });
});
