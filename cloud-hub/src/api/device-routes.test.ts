import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiFixture, NOW, type ApiFixture } from '../test-support/api-fixture.js';

describe('device and profile routes', () => {
  let api: ApiFixture;
  const get = (url: string) => api.app.inject({ url, headers: api.auth('viewer') });

  beforeEach(async () => {
    api = await apiFixture();
    await api.registry.gateways.create('gw-1', 'default');
    await api.registry.gateways.create('gw-2', 'default');
    api.registry.devices.claim('gw-1', { id: 'meter-1', profile: 'eastron-sdm120', profileVersion: 1, protocol: 'modbus', labels: { room: 'a' } });
    api.registry.devices.claim('gw-2', { id: 'th-1', profile: 'xy-md02', profileVersion: 1, protocol: 'modbus' });
    api.registry.devices.autoRegister('gw-2', 'mystery');
    api.timeseries.write([
      ...[1, 2, 3, 4, 5].map((i) => ({ device: 'meter-1', point: 'voltage', t: NOW - i * 60_000, value: 230 + i })),
      { device: 'meter-1', point: 'voltage', t: NOW - 2 * 3_600_000, value: 999 },
      { device: 'meter-1', point: 'relay', t: NOW - 60_000, value: true },
      { device: 'th-1', point: 'baud_rate', t: NOW - 60_000, value: '9600' },
    ]);
  });
  afterEach(() => api.close());

  it('lists devices with their newest values, optionally by gateway', async () => {
    const response = await get('/api/v1/devices');
    expect(response.statusCode).toBe(200);
    const { devices } = response.json() as { devices: { id: string }[] };
    expect(devices.map((d) => d.id)).toEqual(['meter-1', 'mystery', 'th-1']);
    expect(devices[0]).toEqual({
      id: 'meter-1', gateway: 'gw-1', profile: 'eastron-sdm120', profileVersion: 1, profileKnown: true, protocol: 'modbus',
      labels: { room: 'a' }, location: null, firstSeen: expect.any(Number), lastSeen: null,
      latest: { voltage: { value: 231, t: NOW - 60_000 }, relay: { value: true, t: NOW - 60_000 } },
    });
    expect(devices[1]).toMatchObject({ id: 'mystery', profile: 'unknown', profileKnown: false, protocol: null, latest: {} });
    const byGateway = (await get('/api/v1/devices?gateway=gw-2')).json() as { devices: { id: string }[] };
    expect(byGateway.devices.map((d) => d.id)).toEqual(['mystery', 'th-1']);
  });

  it('shows one device with its profile\'s points, and 404 for an unknown one', async () => {
    const device = (await get('/api/v1/devices/th-1')).json() as { points: unknown[]; latest: unknown };
    expect(device.latest).toEqual({ baud_rate: { value: '9600', t: NOW - 60_000 } });
    expect(device.points).toContainEqual({ name: 'temperature', type: 'int16', unit: '°C', access: 'r', min: -40, max: 125 });
    expect(device.points).toContainEqual({ name: 'baud_rate', type: 'uint16', access: 'rw' });
    expect(((await get('/api/v1/devices/mystery')).json() as { points: unknown[] }).points).toEqual([]);

    const missing = await get('/api/v1/devices/nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'device_not_found', message: 'no device "nope"' } });
  });

  it('lists profiles and shows one as JSON', async () => {
    const { profiles } = (await get('/api/v1/profiles')).json() as { profiles: { name: string }[] };
    expect(profiles.map((p) => p.name)).toEqual(expect.arrayContaining(['eastron-sdm120', 'xy-md02']));
    expect(profiles.find((p) => p.name === 'xy-md02')).toMatchObject({ version: 1, source: 'library', protocol: 'modbus', points: 6 });
    const profile = (await get('/api/v1/profiles/xy-md02')).json() as { profile: string; points: { name: string }[] };
    expect(profile).toMatchObject({ profile: 'xy-md02', version: 1, protocol: 'modbus', modbus: { table: 'input' } });
    expect(profile.points[0]).toMatchObject({ name: 'temperature', type: 'int16', scale: 0.1, unit: '°C', min: -40, max: 125 });
    expect((await get('/api/v1/profiles/nope')).json()).toEqual({ error: { code: 'profile_not_found', message: 'no profile "nope"' } });
  });
});
