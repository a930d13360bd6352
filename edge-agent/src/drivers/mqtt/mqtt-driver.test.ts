import { afterEach, describe, expect, it } from 'vitest';
import { POINT_CODECS, isReadable, loadProfileLibrary, type DeviceProfile, type PointValue } from '@afferent/device-profiles';
import { startMqttDevice, type MqttDevice } from '@afferent/simulators';
import { startMosquitto, type Mosquitto } from '../../test-support/mosquitto.js';
import { waitFor } from '@afferent/testkit';
import type { DeviceSession, DriverError, RawReadResult } from '../driver.js';
import { createMqttDriver, type MqttDriver } from './mqtt-driver.js';

const library = loadProfileLibrary().profiles;
const PLUG = library.get('tasmota-smart-plug')!;
const AIRQ = library.get('airgradient-one')!;
const pointOf = (profile: DeviceProfile, name: string) => profile.points.find((p) => p.name === name)!;

let broker: Mosquitto | undefined;
const devices: MqttDevice[] = [];
const drivers: MqttDriver[] = [];
afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close()));
  await Promise.all(devices.splice(0).map((d) => d.close()));
  await broker?.close();
  broker = undefined;
});

async function device(profile: DeviceProfile, id: string, base?: string): Promise<MqttDevice> {
  const made = await startMqttDevice({ brokerUrl: broker!.url, profile, id, ...(base && { base }), publishInterval: 100 });
  devices.push(made);
  return made;
}

function driver(): MqttDriver {
  const made = createMqttDriver();
  drivers.push(made);
  return made;
}

function open(d: MqttDriver, profile: DeviceProfile, id: string, base?: string, interval = '1s'): DeviceSession {
  return d.open({ profile, instance: { id, profile: profile.profile, interval, connection: { url: broker!.url, ...(base && { base }) } } });
}

function decode(profile: DeviceProfile, results: RawReadResult): Record<string, PointValue | string> {
  const values: Record<string, PointValue | string> = {};
  for (const [name, result] of results) {
    values[name] = 'raw' in result ? POINT_CODECS.mqtt.decode(profile, pointOf(profile, name), result.raw) : `error ${result.error.kind}`;
  }
  return values;
}

describe('MQTT southbound driver through mosquitto', () => {
  it('reads every point of two devices sharing one broker connection, and pushes their changes', async () => {
    broker = await startMosquitto();
    const plug = await device(PLUG, 'plug-1', 'tasmota_plug1');
    const airq = await device(AIRQ, 'airq-1', 'site/airq-1');
    const plugValues = { power: 120.5, voltage: 231, current: 0.52, energy_total: 12.345, relay: true };
    const airqValues = { pm25: 12, pm10: 18, co2: 640, temperature: 22.5, humidity: 41, voc_index: 100, nox_index: 1, wifi_rssi: -61 };
    for (const [name, value] of Object.entries(plugValues)) plug.device.set(name, value);
    for (const [name, value] of Object.entries(airqValues)) airq.device.set(name, value);
    const d = driver();
    const plugSession = open(d, PLUG, 'plug-1', 'tasmota_plug1');
    const airqSession = open(d, AIRQ, 'airq-1', 'site/airq-1');
    expect(d.brokers()).toHaveLength(1);
    expect(decode(PLUG, await plugSession.read(PLUG.points.filter(isReadable)))).toEqual(plugValues);
    expect(decode(AIRQ, await airqSession.read(AIRQ.points.filter(isReadable)))).toEqual(airqValues);

    const seen: Record<string, PointValue[]> = {};
    await airqSession.subscribe!(AIRQ.points, (name, raw) => (seen[name] ??= []).push(POINT_CODECS.mqtt.decode(AIRQ, pointOf(AIRQ, name), raw)));
    airq.device.set('co2', 1450);
    await waitFor('the pushed co2', () => seen.co2?.includes(1450));
  });

  it('writes the relay through its command topic with ON/OFF, and the new state comes back', async () => {
    broker = await startMosquitto();
    const plug = await device(PLUG, 'plug-2');
    const session = open(driver(), PLUG, 'plug-2');
    const relay = pointOf(PLUG, 'relay');
    const seen: PointValue[] = [];
    await session.subscribe!([relay], (_name, raw) => seen.push(POINT_CODECS.mqtt.decode(PLUG, relay, raw)));
    await session.write([{ point: relay, raw: POINT_CODECS.mqtt.encode(PLUG, relay, true) }]);
    await waitFor('the relay on, and its state pushed', () => plug.device.get('relay') === true && seen.includes(true));
    expect(decode(PLUG, await session.read([relay]))).toEqual({ relay: true });
    expect(plug.refusedCommands).toEqual([]);
  });

  it('reports nothing lost for a subscription made while the first connect is under way, and alive once connected', async () => {
    broker = await startMosquitto();
    const session = open(driver(), PLUG, 'plug-5');
    const events: string[] = [];
    await session.subscribe!([pointOf(PLUG, 'power')], () => undefined, {
      alive: () => events.push('alive'), lost: (error) => events.push(`lost: ${error.message}`), pointFailed: () => undefined,
    });
    await waitFor('the connection reported alive', () => events.includes('alive'));
    expect(events.filter((e) => e.startsWith('lost'))).toEqual([]);
  });

  it('reports a subscription lost when the first connect fails', async () => {
    broker = await startMosquitto();
    const url = broker.url;
    await broker.close();
    broker = undefined;
    const made = createMqttDriver();
    drivers.push(made);
    const session = made.open({ profile: PLUG, instance: { id: 'plug-6', profile: PLUG.profile, interval: '1s', connection: { url } } });
    const lost: string[] = [];
    await session.subscribe!([pointOf(PLUG, 'power')], () => undefined, {
      alive: () => undefined, lost: (error) => lost.push(error.message), pointFailed: () => undefined,
    });
    await waitFor('the failed connect reported', () => lost.length > 0);
    expect(lost[0]).toMatch(/^plug-6 \(.*\): broker not connected \(.*\)$/);
  });

  it('reconnects and subscribes again after the broker restarts on the same port, with the same session', async () => {
    broker = await startMosquitto();
    const plug = await device(PLUG, 'plug-3');
    const d = driver();
    const session = open(d, PLUG, 'plug-3');
    const power = pointOf(PLUG, 'power');
    const seen: PointValue[] = [];
    const lost: DriverError[] = [];
    await session.subscribe!([power], (_name, raw) => seen.push(POINT_CODECS.mqtt.decode(PLUG, power, raw)), {
      alive: () => undefined, lost: (error) => lost.push(error), pointFailed: () => undefined,
    });
    plug.device.set('power', 10);
    await waitFor('a first value', () => seen.includes(10));
    await broker.stop();
    await waitFor('the broker connection reported lost', () => lost.length > 0 && !d.brokers()[0]!.connected);
    await expect(session.read([power])).rejects.toMatchObject({ kind: 'unreachable' });
    await broker.start();
    plug.device.set('power', 20);
    await waitFor('values after the broker restart', () => seen.includes(20), 20_000);
  });

  it('garbage is a protocol error per point, silence a clear error, and a silent device does not hold up another', async () => {
    broker = await startMosquitto();
    const plug = await device(PLUG, 'plug-4');
    const d = driver();
    const session = open(d, PLUG, 'plug-4', undefined, '300ms');
    const power = [pointOf(PLUG, 'power')];
    plug.setFault({ kind: 'garbage' });
    await waitFor('garbage seen as garbage', async () => decode(PLUG, await session.read(power)).power === 'error protocol');
    plug.setFault(undefined);
    await waitFor('values again', async () => typeof decode(PLUG, await session.read(power)).power === 'number');

    // A device that never published: its read waits a little and says so, while the live one answers at once.
    const ghost = open(d, PLUG, 'ghost');
    let settled = false;
    const ghostRead = ghost.read(power).finally(() => (settled = true));
    let reads = 0;
    while (!settled) {
      await session.read(power);
      reads++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect((await ghostRead).get('power')).toMatchObject({ error: { kind: 'timeout', message: 'ghost (' + broker.url + ') power: no message on tele/ghost/SENSOR yet' } });
    expect(reads).toBeGreaterThan(10);

    // A device that went quiet: after 3 intervals its last value is stale.
    await plug.close();
    devices.splice(0);
    await waitFor('the value to go stale', async () => decode(PLUG, await session.read(power)).power === 'error timeout');
  });
});
