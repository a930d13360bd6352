import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiFixture, NOW, type ApiFixture } from '../test-support/api-fixture.js';

const M = 60_000;
const iso = (t: number) => new Date(t).toISOString();

describe('telemetry routes', () => {
  let api: ApiFixture;
  const get = (url: string, headers: Record<string, string> = {}) => api.app.inject({ url, headers: { ...api.auth('viewer'), ...headers } });
  const json = async (url: string) => (await get(url)).json();

  beforeEach(async () => {
    api = await apiFixture();
    await api.registry.gateways.create('gw-1', 'default');
    api.registry.devices.claim('gw-1', { id: 'meter-1', profile: 'eastron-sdm120', profileVersion: 1, protocol: 'modbus', labels: { site: 'plant-a', line: '1' } });
    api.registry.devices.claim('gw-1', { id: 'meter-2', profile: 'eastron-sdm120', profileVersion: 1, protocol: 'modbus', labels: { site: 'plant-a', line: '2' } });
    api.registry.devices.claim('gw-1', { id: 'meter-3', profile: 'eastron-sdm120', profileVersion: 1, protocol: 'modbus', labels: { site: 'plant-b' } });
    api.timeseries.write([
      ...[1, 2, 3, 4, 5].map((i) => ({ device: 'meter-1', point: 'voltage', t: NOW - i * M, value: 230 + i })),
      { device: 'meter-1', point: 'voltage', t: NOW - 2 * 3_600_000, value: 999 },
      { device: 'meter-1', point: 'relay', t: NOW - M, value: true },
      { device: 'meter-1', point: 'label', t: NOW - M, value: 'a, "quoted"\nvalue' },
      ...[1, 2].map((i) => ({ device: 'meter-2', point: 'voltage', t: NOW - i * M - 30_000, value: 220 + i })),
      { device: 'meter-3', point: 'voltage', t: NOW - M, value: 100 },
    ]);
  });
  afterEach(() => api.close());

  it('answers raw samples in a time range: the last hour by default, ms or ISO 8601 bounds, a limit', async () => {
    const lastHour = await json('/api/v1/devices/meter-1/telemetry');
    expect(lastHour).toMatchObject({ device: 'meter-1', from: NOW - 3_600_000, to: NOW, truncated: false });
    expect(lastHour.points.voltage.map((s: { v: number }) => s.v)).toEqual([235, 234, 233, 232, 231]);
    expect(lastHour.points.relay).toEqual([{ t: NOW - M, v: true }]);
    expect(lastHour).not.toHaveProperty('every');

    const range = await json(`/api/v1/devices/meter-1/telemetry?point=voltage&from=${iso(NOW - 4 * M)}&to=${NOW - 2 * M}`);
    expect(range.points).toEqual({ voltage: [{ t: NOW - 4 * M, v: 234 }, { t: NOW - 3 * M, v: 233 }, { t: NOW - 2 * M, v: 232 }] });
    const older = await json(`/api/v1/devices/meter-1/telemetry?points=voltage,relay&from=${NOW - 3 * 3_600_000}&limit=2`);
    expect(older).toMatchObject({ truncated: true, points: { voltage: [{ v: 999 }, { v: 235 }] } });
  });

  it('aggregates with every= and fn= (mean by default), buckets at their start, empty ones left out', async () => {
    const mean = await json(`/api/v1/devices/meter-1/telemetry?points=voltage&from=${NOW - 10 * M}&every=2m`);
    expect(mean).toEqual({
      device: 'meter-1', from: NOW - 10 * M, to: NOW, every: 2 * M, fn: 'mean', truncated: false,
      points: { voltage: [{ t: NOW - 6 * M, v: 235 }, { t: NOW - 4 * M, v: 233.5 }, { t: NOW - 2 * M, v: 231.5 }] },
    });
    const counts = await json(`/api/v1/devices/meter-1/telemetry?from=${NOW - 10 * M}&every=10m&fn=count`);
    expect(counts.points).toEqual({ label: [{ t: NOW - 10 * M, v: 1 }], relay: [{ t: NOW - 10 * M, v: 1 }], voltage: [{ t: NOW - 10 * M, v: 5 }] });
    const last = await json(`/api/v1/devices/meter-1/telemetry?point=relay&every=1h&fn=last`);
    expect(last.points).toEqual({ relay: [{ t: NOW - 3_600_000, v: true }] });
  });

  it('answers the newest value of each point', async () => {
    expect(await json('/api/v1/devices/meter-1/latest')).toEqual({
      device: 'meter-1',
      latest: { label: { value: 'a, "quoted"\nvalue', t: NOW - M }, relay: { value: true, t: NOW - M }, voltage: { value: 231, t: NOW - M } },
    });
    expect((await get('/api/v1/devices/nope/latest')).statusCode).toBe(404);
  });

  it('queries every device that has all the given labels', async () => {
    const plantA = await json(`/api/v1/telemetry?labels=site:plant-a&points=voltage&from=${NOW - 10 * M}&every=10m&fn=max`);
    expect(plantA).toEqual({
      labels: { site: 'plant-a' }, from: NOW - 10 * M, to: NOW, every: 10 * M, fn: 'max', truncated: false,
      devices: { 'meter-1': { voltage: [{ t: NOW - 10 * M, v: 235 }] }, 'meter-2': { voltage: [{ t: NOW - 10 * M, v: 222 }] } },
    });
    const line2 = await json(`/api/v1/telemetry?labels=site:plant-a,line:2&from=${NOW - 10 * M}`);
    expect(Object.keys(line2.devices)).toEqual(['meter-2']);
    expect((await json('/api/v1/telemetry?labels=site:nowhere')).devices).toEqual({});
  });

  it('exports CSV for Accept: text/csv or format=csv, quoting what needs quotes', async () => {
    const byHeader = await get(`/api/v1/devices/meter-1/telemetry?points=label,relay&from=${NOW - 10 * M}`, { accept: 'text/csv' });
    expect(byHeader.statusCode).toBe(200);
    expect(byHeader.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(byHeader.headers['content-disposition']).toBe('attachment; filename="meter-1-telemetry.csv"');
    expect(byHeader.body).toBe([
      'device,point,t,time,value',
      `meter-1,label,${NOW - M},${iso(NOW - M)},"a, ""quoted""\nvalue"`,
      `meter-1,relay,${NOW - M},${iso(NOW - M)},true`,
      '',
    ].join('\r\n'));
    const byFormat = await get(`/api/v1/telemetry?labels=site:plant-a&points=voltage&from=${NOW - 10 * M}&every=10m&fn=count&format=csv`);
    expect(byFormat.body.split('\r\n')).toEqual([
      'device,point,t,time,value', `meter-1,voltage,${NOW - 10 * M},${iso(NOW - 10 * M)},5`, `meter-2,voltage,${NOW - 10 * M},${iso(NOW - 10 * M)},2`, '',
    ]);
    // format=json wins over the header.
    expect((await get('/api/v1/devices/meter-1/telemetry?format=json', { accept: 'text/csv' })).json()).toHaveProperty('points');
  });

  it('refuses bad query parameters with the catalogue error, naming what is wrong', async () => {
    const cases: [string, string | RegExp][] = [
      ['limit=abc', 'query limit: expected an integer 1–100000, got "abc"'],
      ['limit=100001', /^query limit: /],
      ['from=yesterday', /^from: expected ms since the epoch or an ISO 8601 time/],
      [`from=${NOW}&to=${NOW - 1}`, /is after/],
      ['points=voltage,bad name', /^query points: expected point names separated by commas/],
      ['every=soon', /^query every: expected a duration such as 250ms, 5s, 1m, 2h or 7d/],
      ['every=0s', 'every: expected at least 1ms, got "0s"'],
      ['fn=median&every=1m', /^query fn: expected one of mean, min, max, sum, count, first, last/],
      ['fn=max', 'fn=max needs every= (the bucket width, e.g. every=1m)'],
      [`from=${NOW - 40 * 86_400_000}`, /^raw samples: at most 31d per request, asked for 40d; aggregate with every=/],
      [`from=${NOW - 7 * 86_400_000}&every=1s`, /^every=1s makes 604801 buckets per point; at most 100000/],
      ['points=relay&every=1m&fn=mean', 'meter-1.relay holds bool values; mean needs numbers (count, first and last work on any point)'],
      ['format=xml', /^query format: /],
    ];
    for (const [query, message] of cases) {
      const response = await get(`/api/v1/devices/meter-1/telemetry?${query}`);
      expect(response.statusCode, query).toBe(400);
      const error = response.json().error;
      expect(error.code, query).toBe('invalid_request');
      if (typeof message === 'string') expect(error.message, query).toBe(message);
      else expect(error.message, query).toMatch(message);
    }
    expect((await get('/api/v1/devices/nope/telemetry')).json().error.code).toBe('device_not_found');
    expect((await get('/api/v1/telemetry')).json().error.message).toMatch(/^query labels: /);
    expect((await get('/api/v1/telemetry?labels=site')).json().error.message).toMatch(/^query labels: expected label:value pairs/);
  });

  it('documents the routes in OpenAPI, with CSV as an answer', async () => {
    const doc = (await api.app.inject({ url: '/docs/json' })).json();
    expect(doc.paths['/api/v1/devices/{id}/telemetry'].get.parameters.map((p: { name: string }) => p.name))
      .toEqual(expect.arrayContaining(['points', 'point', 'from', 'to', 'every', 'fn', 'limit', 'format']));
    expect(Object.keys(doc.paths['/api/v1/telemetry'].get.responses['200'].content)).toEqual(['application/json', 'text/csv']);
    expect(doc.paths['/api/v1/devices/{id}/latest']).toBeDefined();
  });
});
