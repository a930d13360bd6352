import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from '../test-support/api-fixture.js';
import type { CommandRecord } from './command-record.js';

describe('command routes', () => {
  let api: ApiFixture;
  const post = (device: string, payload: object, role: 'viewer' | 'operator' | 'admin' = 'operator') =>
    api.app.inject({ method: 'POST', url: `/api/v1/devices/${device}/commands`, headers: api.auth(role), payload });
  const get = (url: string) => api.app.inject({ url, headers: api.auth('viewer') });

  beforeEach(async () => {
    api = await apiFixture();
    await api.registry.gateways.create('gw-1', 'default');
    api.registry.devices.claim('gw-1', { id: 'th-1', profile: 'xy-md02', profileVersion: 1, protocol: 'modbus' });
    api.registry.devices.claim('gw-1', { id: 'io-1', profile: 'waveshare-modbus-rtu-io-8ch', profileVersion: 1, protocol: 'modbus' });
    api.registry.devices.claim('gw-1', { id: 'old-1', profile: 'xy-md02', profileVersion: 7, protocol: 'modbus' });
    api.registry.devices.autoRegister('gw-1', 'mystery');
  });
  afterEach(() => api.close());

  it('queues a valid write while the gateway is away, recording who sent it, and sends it when the gateway listens', async () => {
    const response = await post('th-1', { write: { temperature_correction: -1.5, baud_rate: '19200' }, expiresIn: '30s' });
    expect(response.statusCode).toBe(202);
    const record = response.json() as CommandRecord;
    expect(record).toMatchObject({
      device: 'th-1', gateway: 'gw-1', write: { temperature_correction: -1.5, baud_rate: '19200' }, readback: true,
      status: 'queued', createdBy: 'test operator', history: [{ status: 'queued', by: 'test operator' }],
    });
    expect(record.expires - record.created).toBe(30_000);
    expect(api.published).toEqual([]);

    api.listening.add('gw-1');
    api.commands.gatewayReady('gw-1');
    expect(api.published).toEqual([{
      gateway: 'gw-1',
      command: { id: record.id, device: 'th-1', write: { temperature_correction: -1.5, baud_rate: '19200' }, expires: record.expires, readback: true },
    }]);
    const now = (await get(`/api/v1/commands/${record.id}`)).json() as CommandRecord;
    expect(now.status).toBe('sent');
    expect(now.history.map((s) => `${s.status} by ${s.by}`)).toEqual(['queued by test operator', 'sent by hub']);
  });

  it('sends at once to a gateway that listens; expiresIn in ms, readback off', async () => {
    api.listening.add('gw-1');
    const record = (await post('io-1', { write: { do3: true }, expiresIn: 5000, readback: false })).json() as CommandRecord;
    expect(record).toMatchObject({ status: 'sent', readback: false });
    expect(record.expires - record.created).toBe(5000);
    expect(api.published.map((p) => p.command.write)).toEqual([{ do3: true }]);
  });

  it('refuses an invalid write before anything is sent, naming the point and why', async () => {
    api.listening.add('gw-1');
    const refusals: [string, object, number, string, string | RegExp][] = [
      ['th-1', { write: { nope: 1 } }, 400, 'unknown_point', 'point nope: profile xy-md02 has no such point (writable: unit_address, baud_rate, temperature_correction, humidity_correction)'],
      ['th-1', { write: { temperature: 20 } }, 400, 'point_not_writable', 'point temperature: read-only (access r)'],
      ['th-1', { write: { temperature_correction: 50 } }, 400, 'invalid_value', 'point temperature_correction: 50 is above the maximum 10'],
      ['th-1', { write: { temperature_correction: 1.25 } }, 400, 'invalid_value', 'point temperature_correction: 1.25 is not a multiple of the point\'s resolution 0.1'],
      ['th-1', { write: { baud_rate: '115200' } }, 400, 'invalid_value', 'point baud_rate: expected one of 9600, 14400, 19200, got "115200"'],
      ['io-1', { write: { do1: 'on' } }, 400, 'invalid_value', 'point do1: expected true or false, got "on"'],
      ['th-1', { write: { unit_address: 0, temperature: 1 } }, 400, 'invalid_value', 'point unit_address: 0 is below the minimum 1; point temperature: read-only (access r)'],
      ['th-1', { write: {} }, 400, 'invalid_request', /write/],
      ['th-1', { write: { humidity_correction: 1 }, expiresIn: '10 minutes' }, 400, 'invalid_request', /expiresIn/],
      ['th-1', { write: { humidity_correction: 1 }, expiresIn: 50 }, 400, 'invalid_request', 'expiresIn: expected 100 ms to 7d, got 50'],
      ['th-1', { write: { humidity_correction: 1 }, colour: 'red' }, 400, 'invalid_request', /colour/],
      ['nope', { write: { x: 1 } }, 404, 'device_not_found', 'no device "nope"'],
      ['mystery', { write: { x: 1 } }, 409, 'profile_unknown', 'device mystery runs no profile known, which the hub does not have: a write cannot be checked'],
      ['old-1', { write: { x: 1 } }, 409, 'profile_unknown', 'device old-1 runs profile xy-md02 version 7, which the hub does not have: a write cannot be checked'],
    ];
    for (const [device, body, status, code, message] of refusals) {
      const response = await post(device, body);
      const what = JSON.stringify(body);
      expect(response.statusCode, what).toBe(status);
      expect(response.json().error.code, what).toBe(code);
      if (typeof message === 'string') expect(response.json().error.message, what).toBe(message);
      else expect(response.json().error.message, what).toMatch(message);
    }
    expect(api.published).toEqual([]);
    expect((await get('/api/v1/commands')).json()).toEqual({ commands: [] });
  });

  it('needs the operator role to write or cancel; a viewer may read the ledger', async () => {
    const refused = await post('th-1', { write: { humidity_correction: 1 } }, 'viewer');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toBe('this needs the operator role; the token "test viewer" has viewer');
    expect((await api.app.inject({ method: 'POST', url: '/api/v1/devices/th-1/commands', payload: { write: { humidity_correction: 1 } } })).statusCode).toBe(401);
    const record = (await post('th-1', { write: { humidity_correction: 1 } }, 'admin')).json() as CommandRecord;
    expect(record.createdBy).toBe('test admin');
    const cancel = await api.app.inject({ method: 'POST', url: `/api/v1/commands/${record.id}/cancel`, headers: api.auth('viewer') });
    expect(cancel.statusCode).toBe(403);
    expect((await get(`/api/v1/commands/${record.id}`)).json().status).toBe('queued');
  });

  it('answers the same command for a repeated idempotency key, and 409 when the key is reused for another write', async () => {
    const body = { write: { humidity_correction: 2, temperature_correction: 1 }, idempotencyKey: 'op-42' };
    const first = await post('th-1', body);
    expect(first.statusCode).toBe(202);
    const again = await post('th-1', { ...body, write: { temperature_correction: 1, humidity_correction: 2 }, expiresIn: '5m' });
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(first.json().id);
    const other = await post('th-1', { ...body, write: { humidity_correction: 3 } });
    expect(other.statusCode).toBe(409);
    expect(other.json().error).toEqual({ code: 'idempotency_conflict', message: `idempotency key "op-42" was used for command ${first.json().id} with a different write` });
    // The same key twice at once: one command, one commit.
    const [x, y] = await Promise.all([post('th-1', { ...body, idempotencyKey: 'op-43' }), post('th-1', { ...body, idempotencyKey: 'op-43' })]);
    expect([x.statusCode, y.statusCode].sort()).toEqual([200, 202]);
    expect(x.json().id).toBe(y.json().id);
    // Keys are per device.
    const elsewhere = await post('io-1', { write: { do1: true }, idempotencyKey: 'op-42' });
    expect(elsewhere.statusCode).toBe(202);
    expect((await get('/api/v1/commands?device=th-1')).json().commands).toHaveLength(2);
  });

  it('cancels a queued command, and refuses once it was sent or is finished', async () => {
    const queued = (await post('th-1', { write: { humidity_correction: 1 } })).json() as CommandRecord;
    const cancel = (id: string) => api.app.inject({ method: 'POST', url: `/api/v1/commands/${id}/cancel`, headers: api.auth('operator') });
    const cancelled = await cancel(queued.id);
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', history: [{ status: 'queued' }, { status: 'cancelled', by: 'test operator' }] });
    expect((await cancel(queued.id)).json().error).toEqual({ code: 'command_not_cancellable', message: `command ${queued.id} is cancelled: it is finished` });

    api.listening.add('gw-1');
    api.commands.gatewayReady('gw-1');
    expect(api.published).toEqual([]);
    const sent = (await post('th-1', { write: { humidity_correction: 2 } })).json() as CommandRecord;
    const refused = await cancel(sent.id);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toBe(`command ${sent.id} is sent: it was already sent to gateway gw-1 and cannot be called back`);
    expect((await cancel('no-such-command')).json().error.code).toBe('command_not_found');
  });

  it('lists commands newest first, by device and status; 404 for an unknown id', async () => {
    const a = (await post('th-1', { write: { humidity_correction: 1 } })).json() as CommandRecord;
    const b = (await post('io-1', { write: { do2: true } })).json() as CommandRecord;
    const c = (await post('th-1', { write: { humidity_correction: 2 } })).json() as CommandRecord;
    await api.app.inject({ method: 'POST', url: `/api/v1/commands/${c.id}/cancel`, headers: api.auth('operator') });
    const ids = async (query: string) => ((await get(`/api/v1/commands${query}`)).json().commands as CommandRecord[]).map((r) => r.id);
    expect(await ids('')).toEqual([c.id, b.id, a.id]);
    expect(await ids('?device=th-1')).toEqual([c.id, a.id]);
    expect(await ids('?device=th-1&status=queued')).toEqual([a.id]);
    expect(await ids('?limit=1')).toEqual([c.id]);
    expect((await get('/api/v1/commands?status=lost')).statusCode).toBe(400);
    const missing = await get('/api/v1/commands/nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'command_not_found', message: 'no command "nope"' } });
  });
});
