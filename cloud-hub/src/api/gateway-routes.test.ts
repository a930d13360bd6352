import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../storage/sqlite.js';
import { apiFixture, type ApiFixture } from '../test-support/api-fixture.js';
import { ADMIN_TOKEN, TestBed } from '../test-support/test-hub.js';

describe('gateway routes', () => {
  let api: ApiFixture;
  beforeEach(async () => {
    api = await apiFixture();
  });
  afterEach(() => api.close());
  const create = (payload: unknown) => api.app.inject({ method: 'POST', url: '/api/v1/gateways', headers: api.auth('admin'), payload: payload as object });

  it('creates a gateway, shows its password once and keeps only a scrypt hash', async () => {
    const response = await create({ id: 'plant-7', name: 'Plant 7, hall B' });
    expect(response.statusCode).toBe(201);
    const body = response.json() as { id: string; name: string; mqtt: { username: string; password: string } };
    expect(body).toEqual({ id: 'plant-7', name: 'Plant 7, hall B', mqtt: { username: 'plant-7', password: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) } });

    const db = openDatabase(join(api.dir, 'registry.db'), { readonly: true });
    const row = db.prepare<{ secret_hash: string }>('SELECT secret_hash FROM gateways WHERE id = ?').get('plant-7');
    db.close();
    expect(row?.secret_hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(row?.secret_hash).not.toContain(body.mqtt.password);
    expect(await api.registry.gateways.checkPassword('plant-7', body.mqtt.password)).toBe('ok');

    const again = await api.app.inject({ url: '/api/v1/gateways/plant-7', headers: api.auth('viewer') });
    expect(again.body).not.toContain(body.mqtt.password);
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
      error: { code: 'invalid_request', message: 'body extra: unknown field; known fields: id, name' },
    });
  });

  it('lists gateways and shows one with its status', async () => {
    await create({ id: 'gw-1' });
    api.registry.gateways.recordStatus('gw-1', {
      state: 'online', version: '0.3.0', backlog: { batches: 1, readings: 5, bytes: 300 },
      devices: { 'meter-1': { reachable: false, readErrors: 3, lastError: 'timeout' } },
    }, 1234);
    const { gateways } = (await api.app.inject({ url: '/api/v1/gateways', headers: api.auth('viewer') })).json() as { gateways: unknown[] };
    expect(gateways).toEqual([{
      id: 'gw-1', name: 'gw-1', enabled: true, created: expect.any(Number), online: true, lastSeen: 1234, version: '0.3.0',
      backlog: { batches: 1, readings: 5, bytes: 300 }, devices: { 'meter-1': { reachable: false, readErrors: 3, lastError: 'timeout' } },
    }]);
    const missing = await api.app.inject({ url: '/api/v1/gateways/nope', headers: api.auth('viewer') });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('gateway_not_found');
  });
});

describe('a created gateway on MQTT', () => {
  const bed = new TestBed();
  afterEach(() => bed.cleanup());

  it('connects with the password the API issued', async () => {
    const hub = await bed.hub();
    const response = await fetch(`${hub.apiUrl}/api/v1/gateways`, {
      method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{"id":"gw-new"}',
    });
    const { mqtt } = (await response.json()) as { mqtt: { username: string; password: string } };
    const client = await bed.connect(hub, mqtt);
    expect(client.connected).toBe(true);
  });
});
