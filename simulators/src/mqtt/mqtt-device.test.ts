import { afterEach, describe, expect, it } from 'vitest';
import { connectAsync, type MqttClient } from 'mqtt';
import { POINT_CODECS, loadProfileLibrary } from '@afferent/device-profiles';
import { waitFor } from '@afferent/testkit';
import { GARBAGE } from '../device/fault.js';
import { startMqttDevice, type MqttDevice } from './mqtt-device.js';
import { startTestBroker, type TestBroker } from './test-support/aedes-broker.js';

const library = loadProfileLibrary().profiles;
const plug = library.get('tasmota-smart-plug')!;
const airgradient = library.get('airgradient-one')!;
const point = (name: string) => plug.points.find((p) => p.name === name)!;

let broker: TestBroker | undefined;
let device: MqttDevice | undefined;
let subscriber: MqttClient | undefined;
afterEach(async () => {
  await subscriber?.endAsync();
  subscriber = undefined;
  await device?.close();
  device = undefined;
  await broker?.close();
  broker = undefined;
});

interface Message { topic: string; payload: Buffer }

/** A broker, a subscriber to everything, and (then) the device: so the subscriber sees its first messages. */
async function setUp(users?: Record<string, string>): Promise<{ url: string; messages: Message[]; on: (topic: string) => Message[] }> {
  broker = await startTestBroker(users);
  const credentials = users ? { username: 'sub', password: users.sub! } : {};
  subscriber = await connectAsync(broker.url, { protocolVersion: 4, ...credentials });
  const messages: Message[] = [];
  subscriber.on('message', (topic, payload) => messages.push({ topic, payload }));
  await subscriber.subscribeAsync('#');
  return { url: broker.url, messages, on: (topic) => messages.filter((m) => m.topic === topic) };
}

describe('MQTT device', () => {
  it('publishes the Tasmota plug telemetry as JSON and the relay as ON/OFF, and switches on a command', async () => {
    const { url, on } = await setUp();
    device = await startMqttDevice({ brokerUrl: url, profile: plug, id: 'plug-1', publishInterval: 100, signals: { power: { kind: 'constant', value: 42.5 } } });
    expect(device.stateTopics).toEqual(['tele/plug-1/SENSOR', 'stat/plug-1/POWER']);
    expect(device.commandTopics).toEqual(['cmnd/plug-1/POWER']);
    await waitFor('telemetry', () => on('tele/plug-1/SENSOR').length > 0);
    const sensor = on('tele/plug-1/SENSOR')[0]!.payload;
    expect(JSON.parse(sensor.toString())).toEqual({ ENERGY: { Power: 42.5, Voltage: 0, Current: 0, Total: 0 } });
    expect(POINT_CODECS.mqtt.decode(plug, point('power'), { payload: sensor })).toBe(42.5);
    await waitFor('the relay state', () => on('stat/plug-1/POWER').length > 0);
    expect(on('stat/plug-1/POWER')[0]!.payload.toString()).toBe('OFF');

    const before = on('stat/plug-1/POWER').length;
    await subscriber!.publishAsync('cmnd/plug-1/POWER', 'ON');
    await waitFor('the relay switched', () => device!.device.get('relay') === true);
    await waitFor('the new state published', () => on('stat/plug-1/POWER').slice(before).some((m) => m.payload.toString() === 'ON'));
    expect(device.device.writeLog.map((w) => `${w.point}=${w.value}`)).toEqual(['relay=true']);
  });

  it('refuses a command the profile does not allow, and keeps the state', async () => {
    const { url } = await setUp();
    device = await startMqttDevice({ brokerUrl: url, profile: plug, id: 'plug-2' });
    await subscriber!.publishAsync('cmnd/plug-2/POWER', 'TOGGLE');
    await waitFor('the refusal', () => device!.refusedCommands.length > 0);
    expect(device.refusedCommands).toEqual([{ topic: 'cmnd/plug-2/POWER', reason: 'point relay: expected ON or OFF, got "TOGGLE"' }]);
    expect(device.device.get('relay')).toBe(false);
  });

  it('expands {base} to the instance topic root (AirGradient: one JSON message on the root)', async () => {
    const { url, on } = await setUp();
    device = await startMqttDevice({ brokerUrl: url, profile: airgradient, id: 'airq-7', base: 'site/airq-7', signals: { co2: { kind: 'constant', value: 612 } } });
    await waitFor('the measures', () => on('site/airq-7').length > 0);
    const measures = JSON.parse(on('site/airq-7')[0]!.payload.toString());
    expect(Object.keys(measures)).toEqual(['pm02', 'pm10', 'rco2', 'atmp', 'rhum', 'tvocIndex', 'noxIndex', 'wifi']);
    expect(measures.rco2).toBe(612);
  });

  it('connects with credentials, and fails clearly without them', async () => {
    const { url, on } = await setUp({ sub: 'sub-pw', 'plug-3': 'plug-pw' });
    await expect(startMqttDevice({ brokerUrl: url, profile: plug, id: 'plug-3', password: 'wrong', username: 'plug-3' })).rejects.toThrow(/Bad username or password|Not authorized/i);
    device = await startMqttDevice({ brokerUrl: url, profile: plug, id: 'plug-3', username: 'plug-3', password: 'plug-pw' });
    await waitFor('telemetry', () => on('tele/plug-3/SENSOR').length > 0);
  });

  it('publishes garbage, ignores commands while silent, and leaves and comes back on drop-connection', async () => {
    const { url, on } = await setUp();
    device = await startMqttDevice({ brokerUrl: url, profile: plug, id: 'plug-4', publishInterval: 50 });
    device.setFault({ kind: 'garbage' });
    await waitFor('garbage', () => on('tele/plug-4/SENSOR').some((m) => m.payload.equals(GARBAGE)));

    // Commands are handled in order: the one sent while silent is never applied, the one after is.
    device.setFault({ kind: 'no-answer' });
    await subscriber!.publishAsync('cmnd/plug-4/POWER', 'ON');
    await waitFor('the ignored command to arrive', () => device!.commandsReceived === 1);
    device.setFault(undefined);
    await subscriber!.publishAsync('cmnd/plug-4/POWER', 'OFF');
    await waitFor('the next command', () => device!.device.writes === 1);
    expect(device.device.writeLog.map((w) => w.value)).toEqual([false]);

    let disconnects = 0;
    broker!.broker.on('clientDisconnect', (client) => client.id === 'afferent-sim-plug-4' && disconnects++);
    device.setFault({ kind: 'drop-connection' });
    await waitFor('the device gone', () => disconnects === 1 && !device!.connected);
    device.setFault(undefined);
    await waitFor('the device back', () => device!.connected);
    const count = on('tele/plug-4/SENSOR').length;
    await waitFor('telemetry again', () => on('tele/plug-4/SENSOR').length > count);
  });
});
