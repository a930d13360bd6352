import { checkDeviceList, loadProfileLibrary } from '@afferent/device-profiles';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from '../test-support/api-fixture.js';

const METERS = {
  for: { n: '1-3' }, id: 'meter-{n}', profile: 'eastron-sdm120',
  connection: { url: 'tcp://10.0.0.5:502', unitId: '{n}' }, labels: { bus: 'hall-a' },
};
const SENSOR = { id: 'th-1', profile: 'xy-md02', connection: { url: 'tcp://10.0.0.6:502', unitId: 1 }, location: { lat: 48.1, lon: 11.6 } };

describe('desired configuration routes', () => {
  let api: ApiFixture;
  beforeEach(async () => {
    api = await apiFixture();
    api.registry.gateways.create('gw-1', 'default');
    api.registry.gateways.create('gw-2', 'default');
  });
  afterEach(() => api.close());
  const push = (devices: unknown[], gateway = 'gw-1', role: 'admin' | 'operator' = 'admin') =>
    api.app.inject({ method: 'PUT', url: `/api/v1/gateways/${gateway}/config`, headers: api.auth(role), payload: { devices } });
  const get = (gateway = 'gw-1') => api.app.inject({ url: `/api/v1/gateways/${gateway}/config`, headers: api.auth('viewer') }).then((r) => r.json());

  it('stores a config as the next version and publishes it expanded, with the profiles it uses', async () => {
    const first = await push([METERS, SENSOR]);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      gateway: 'gw-1', desired: { version: 1, devices: [METERS, SENSOR], deviceCount: 4, createdBy: 'test admin' },
      reported: { applied: null, last: null }, sync: 'pending',
    });
    const [published] = api.configsPublished;
    expect(published!.gateway).toBe('gw-1');
    expect(published!.config.version).toBe(1);
    expect(published!.config.devices.map((d) => [d.id, d.connection.unitId])).toEqual([['meter-1', 1], ['meter-2', 2], ['meter-3', 3], ['th-1', 1]]);
    expect(published!.config.profiles.map((p) => p.profile)).toEqual(['eastron-sdm120', 'xy-md02']);
    // The agent expands the same entries with the same function: the same devices.
    const atTheEdge = checkDeviceList([METERS, SENSOR], { profileOf: (name) => loadProfileLibrary().profiles.get(name) });
    expect(atTheEdge.devices.map((d) => d.device)).toEqual(published!.config.devices);

    expect((await push([SENSOR])).json().desired.version).toBe(2);
    expect(api.configsPublished.map((p) => p.config.version)).toEqual([1, 2]);
  });

  it('refuses a bad config naming each device and field, and keeps the current version', async () => {
    await push([SENSOR]);
    const bad = await push([
      { ...METERS, for: { n: '3-1' } },
      { ...SENSOR, connection: { url: 'tcp://10.0.0.6:502', unitId: 999 } },
      { id: 'x', profile: 'no-such-profile', connection: {} },
      { ...SENSOR, id: 'th-2', interval: 'often' },
    ]);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_config');
    expect(bad.json().error.message.split('\n')).toEqual([
      '4 problems:',
      'devices[0].for.n: the range 3-1 runs backwards: write 1-3',
      'devices[1].connection.unitId: expected an integer 0–255, got 999',
      expect.stringMatching(/^devices\[2\]\.profile: unknown profile "no-such-profile"; known: airgradient-one, /),
      'devices[3].interval: expected a duration such as 250ms, 5s, 1m, 2h or 7d, got "often"',
    ]);
    expect((await get()).desired.version).toBe(1);
    expect(api.configsPublished).toHaveLength(1);
    expect((await push([SENSOR], 'gw-1', 'operator')).statusCode).toBe(403);
    expect((await push([SENSOR], 'nope')).json().error.code).toBe('gateway_not_found');
  });

  it('refuses a device id another gateway owns', async () => {
    api.registry.devices.claim('gw-2', { id: 'th-1', profile: 'xy-md02', profileVersion: 1, protocol: 'modbus' });
    expect((await push([SENSOR])).json().error.message).toBe('devices[0].id: device "th-1" belongs to gateway gw-2: device ids are unique across the hub');
  });

  it('shows drift: desired against what the gateway applied or refused', async () => {
    await push([SENSOR]);
    api.configs.recordState('gw-1', { version: 1, state: 'applied', t: 1 });
    expect(await get()).toMatchObject({ desired: { version: 1 }, reported: { applied: 1 }, sync: 'in-sync' });
    await push([SENSOR, { ...SENSOR, id: 'th-2' }]);
    expect(await get()).toMatchObject({ desired: { version: 2 }, reported: { applied: 1 }, sync: 'pending' });
    api.configs.recordState('gw-1', { version: 2, state: 'rejected', t: 2, error: 'devices[1]: no driver' });
    expect(await get()).toMatchObject({
      desired: { version: 2 }, reported: { applied: 1, last: { version: 2, state: 'rejected', error: 'devices[1]: no driver' } },
      sync: 'rejected', error: 'devices[1]: no driver',
    });
    const fleet = (await api.app.inject({ url: '/api/v1/gateways/gw-1', headers: api.auth('viewer') })).json();
    expect(fleet.config).toEqual({ desired: 2, applied: 1, sync: 'rejected', error: 'devices[1]: no driver' });
  });

  it('filters devices by label and shows their location', async () => {
    api.registry.devices.claim('gw-1', { id: 'm-1', profile: 'eastron-sdm120', profileVersion: 1, protocol: 'modbus', labels: { bus: 'a', site: 'x' }, location: { lat: 1, lon: 2 } });
    api.registry.devices.claim('gw-1', { id: 'm-2', profile: 'eastron-sdm120', profileVersion: 1, protocol: 'modbus', labels: { bus: 'b', site: 'x' } });
    api.registry.devices.claim('gw-2', { id: 'm-3', profile: 'eastron-sdm120', profileVersion: 1, protocol: 'modbus', labels: { bus: 'a' } });
    const ids = async (query: string) =>
      (await api.app.inject({ url: `/api/v1/devices${query}`, headers: api.auth('viewer') })).json().devices.map((d: { id: string }) => d.id);
    expect(await ids('?label=bus:a')).toEqual(['m-1', 'm-3']);
    expect(await ids('?label=bus:a,site:x')).toEqual(['m-1']);
    expect(await ids('?label=bus:a&gateway=gw-2')).toEqual(['m-3']);
    const one = (await api.app.inject({ url: '/api/v1/devices/m-1', headers: api.auth('viewer') })).json();
    expect(one.location).toEqual({ lat: 1, lon: 2 });
    expect((await api.app.inject({ url: '/api/v1/devices?label=bus', headers: api.auth('viewer') })).statusCode).toBe(400);
  });
});
