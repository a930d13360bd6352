import type { Severity } from '@afferent/device-profiles';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HubEvent } from '../bus/hub-events.js';
import { apiFixture, type ApiFixture } from '../test-support/api-fixture.js';
import type { AlarmEventData } from './alarm-events.js';
import type { AutomaticTransition } from './alarm-lifecycle.js';

describe('alarm routes', () => {
  let api: ApiFixture;
  const get = (url: string) => api.app.inject({ url, headers: api.auth('viewer') });
  const post = (url: string, role: 'viewer' | 'operator' | 'admin', payload?: object) =>
    api.app.inject({ method: 'POST', url, headers: api.auth(role), ...(payload ? { payload } : {}) });
  const ids = async (query: string) => ((await get(`/api/v1/alarms${query}`)).json() as { alarms: { id: number }[] }).alarms.map((a) => a.id);

  function edge(device: string, gateway: string, alarm: string, state: AutomaticTransition['state'], t: number, severity: Severity = 'major') {
    const outcome = api.alarms.store.applyAutomatic({
      device, gateway, tenant: 'default', alarm, state, t, severity, message: `${alarm} on ${device}`, values: { voltage: 255 }, source: 'edge', by: gateway,
    }, t + 1);
    if (typeof outcome === 'string') throw new Error(outcome);
    return outcome.record.id;
  }

  let overvoltage: number; // meter-1, active
  let undervoltage: number; // meter-1, cleared
  let hot: number; // th-1 on gw-2, active, critical
  beforeEach(async () => {
    api = await apiFixture();
    overvoltage = edge('meter-1', 'gw-1', 'overvoltage', 'raised', 1000);
    undervoltage = edge('meter-1', 'gw-1', 'undervoltage', 'raised', 2000);
    edge('meter-1', 'gw-1', 'undervoltage', 'cleared', 3000);
    hot = edge('th-1', 'gw-2', 'too_hot', 'raised', 4000, 'critical');
  });
  afterEach(() => api.close());

  it('lists records newest first, filtered by state, severity, device and gateway, with a limit', async () => {
    expect(await ids('')).toEqual([hot, undervoltage, overvoltage]);
    expect(await ids('?state=active')).toEqual([hot, overvoltage]);
    expect(await ids('?state=cleared')).toEqual([undervoltage]);
    expect(await ids('?severity=critical')).toEqual([hot]);
    expect(await ids('?device=meter-1&state=active')).toEqual([overvoltage]);
    expect(await ids('?gateway=gw-2')).toEqual([hot]);
    expect(await ids('?limit=1')).toEqual([hot]);
    await post(`/api/v1/alarms/${hot}/ack`, 'operator');
    expect(await ids('?state=acknowledged')).toEqual([hot]);
    expect(await ids('?state=unacknowledged')).toEqual([undervoltage, overvoltage]);

    const bad = await get('/api/v1/alarms?state=sleeping');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('query state') });
    expect((await get('/api/v1/alarms?limit=0')).statusCode).toBe(400);
  });

  it('shows one record and its history; 404 and 400 in the catalogue shape', async () => {
    const one = await get(`/api/v1/alarms/${undervoltage}`);
    expect(one.json()).toEqual({
      id: undervoltage, device: 'meter-1', gateway: 'gw-1', tenant: 'default', alarm: 'undervoltage', severity: 'major', message: 'undervoltage on meter-1',
      state: 'cleared', acknowledged: false, firstRaised: 2000, lastRaised: 2000, raiseCount: 1, raisedValues: { voltage: 255 },
      clearedAt: 3000, clearedValues: { voltage: 255 }, clearedBy: null, ackedAt: null, ackedBy: null, updated: 3001,
    });
    const history = (await get(`/api/v1/alarms/${undervoltage}/history`)).json();
    expect(history.alarm).toBe(undervoltage);
    expect(history.history.map((e: { event: string; t: number; source: string; by: string }) => `${e.event}@${e.t} by ${e.source} ${e.by}`))
      .toEqual(['raised@2000 by edge gw-1', 'cleared@3000 by edge gw-1']);

    expect((await get('/api/v1/alarms/999')).json()).toEqual({ error: { code: 'alarm_not_found', message: 'no alarm 999' } });
    expect((await get('/api/v1/alarms/999/history')).statusCode).toBe(404);
    const bad = await get('/api/v1/alarms/abc');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toBe('params id: expected an alarm id (a positive integer), got "abc"');
  });

  it('ack: operator only, records who and why, 409 the second time, and is announced on the bus', async () => {
    const announced: HubEvent[] = [];
    api.bus.subscribe((event) => announced.push(event), ['alarm']);

    const denied = await post(`/api/v1/alarms/${overvoltage}/ack`, 'viewer', { comment: 'seen' });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('forbidden');

    const acked = await post(`/api/v1/alarms/${overvoltage}/ack`, 'operator', { comment: 'feeder checked' });
    expect(acked.statusCode).toBe(200);
    expect(acked.json()).toMatchObject({ id: overvoltage, state: 'active', acknowledged: true, ackedBy: 'test operator', ackedAt: expect.any(Number) });
    const again = await post(`/api/v1/alarms/${overvoltage}/ack`, 'admin');
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({ error: { code: 'alarm_already_acknowledged', message: `alarm ${overvoltage} is already acknowledged` } });
    expect((await post('/api/v1/alarms/999/ack', 'operator')).statusCode).toBe(404);
    expect((await post(`/api/v1/alarms/${hot}/ack`, 'operator', { comment: 'x', extra: 1 })).statusCode).toBe(400);

    const history = (await get(`/api/v1/alarms/${overvoltage}/history`)).json().history;
    expect(history.at(-1)).toMatchObject({ event: 'acked', source: 'operator', by: 'test operator', comment: 'feeder checked', changed: true });
    expect(announced).toHaveLength(1);
    const data = announced[0]!.data as AlarmEventData;
    expect(announced[0]).toMatchObject({ type: 'alarm', device: 'meter-1', gateway: 'gw-1' });
    expect(data.record).toMatchObject({ id: overvoltage, acknowledged: true });
    expect(data.transition).toMatchObject({ event: 'acked', by: 'test operator' });
  });

  it('clear by hand: operator only, active alarms only', async () => {
    expect((await post(`/api/v1/alarms/${hot}/clear`, 'viewer')).statusCode).toBe(403);
    const cleared = await post(`/api/v1/alarms/${hot}/clear`, 'operator', { comment: 'sensor replaced' });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json()).toMatchObject({ state: 'cleared', acknowledged: false, clearedBy: 'test operator', clearedValues: null });
    const twice = await post(`/api/v1/alarms/${hot}/clear`, 'operator');
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error.code).toBe('alarm_not_active');
    const history = (await get(`/api/v1/alarms/${hot}/history`)).json().history;
    expect(history.map((e: { event: string }) => e.event)).toEqual(['raised', 'manually_cleared']);
    expect(history[1]).toMatchObject({ by: 'test operator', comment: 'sensor replaced' });
  });

  it('documents the alarm routes in OpenAPI', async () => {
    const doc = (await api.app.inject({ url: '/docs/json' })).json() as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      '/api/v1/alarms', '/api/v1/alarms/{id}', '/api/v1/alarms/{id}/history', '/api/v1/alarms/{id}/ack', '/api/v1/alarms/{id}/clear',
    ]));
  });
});
