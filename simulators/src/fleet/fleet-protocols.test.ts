import { afterEach, describe, expect, it } from 'vitest';
import { connectAsync } from 'mqtt';
import { checkDeviceInstance, formatProblem, loadProfileLibrary } from '@afferent/device-profiles';
import { waitFor } from '@afferent/testkit';
import { CoapTestClient } from '../coap/test-support/coap-client.js';
import { startTestBroker, type TestBroker } from '../mqtt/test-support/aedes-broker.js';
import { startFleet, type Fleet } from './fleet.js';
import { checkScenarioProfiles, loadScenarioFile, parseScenario } from './scenario.js';

const { profiles } = loadProfileLibrary();
let fleet: Fleet | undefined;
let broker: TestBroker | undefined;
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
  await broker?.close();
  broker = undefined;
});

/** Sockets and servers this process holds: the fleet must give back every one it took. */
const handles = () => process.getActiveResourcesInfo().filter((r) => /TCP|UDP|Pipe/.test(r)).sort().join(',');

describe('fleets of every protocol', () => {
  it('the all-protocols scenario is valid against the shipped profiles', () => {
    const scenario = loadScenarioFile(new URL('../../scenarios/all-protocols.yaml', import.meta.url).pathname);
    expect(checkScenarioProfiles(scenario, profiles)).toEqual([]);
    expect(new Set(scenario.devices.map((g) => profiles.get(g.profile)!.protocol))).toEqual(new Set(['modbus', 'opcua', 'coap', 'mqtt']));
  });

  it('names fields of another protocol, and an MQTT group without a broker', () => {
    const scenario = parseScenario('devices: [{ profile: coap-env-senml, unitId: 3 }, { profile: tasmota-smart-plug, port: 1883 }]', 'x.yaml');
    expect(checkScenarioProfiles(scenario, profiles).map(formatProblem)).toEqual([
      'devices[0].unitId: applies to modbus devices; coap-env-senml is coap',
      'devices[1].port: applies to modbus, opcua, coap devices; tasmota-smart-plug is mqtt',
      'devices[1].broker: tasmota-smart-plug is an MQTT device: the group needs the broker it publishes to (or the scenario a siteBroker)',
    ]);
  });

  it('starts one device of each protocol, describes valid device instances for the agent, and closes every handle', async () => {
    broker = await startTestBroker();
    const before = handles();
    const scenario = parseScenario(`
devices:
  - { profile: xy-md02, idPrefix: climate }
  - { profile: opcua-boiler, idPrefix: boiler, security: { allowAnonymous: false, users: [{ username: op, password: pw }] } }
  - { profile: coap-env-senml, idPrefix: env, signals: { battery: { kind: constant, value: 2900 } } }
  - { profile: tasmota-smart-plug, idPrefix: plug, broker: "${broker.url}", base: "tasmota_{id}", publishInterval: 100ms }
`, 'inline');
    expect(checkScenarioProfiles(scenario, profiles)).toEqual([]);
    fleet = await startFleet(scenario, profiles);

    const instances = fleet.agentDevices('2s');
    expect(instances.map((d) => d.id)).toEqual(['climate-1', 'boiler-1', 'env-1', 'plug-1']);
    for (const instance of instances) expect(checkDeviceInstance(instance, profiles.get(instance.profile))).toEqual([]);
    const [modbus, opcua, coap, mqtt] = instances.map((d) => d.connection);
    expect(modbus).toEqual({ url: expect.stringMatching(/^tcp:\/\/127\.0\.0\.1:\d+$/), unitId: 1 });
    expect(opcua).toEqual({ url: expect.stringMatching(/^opc\.tcp:\/\/127\.0\.0\.1:\d+$/), username: 'op', password: 'pw' });
    expect(coap).toEqual({ url: expect.stringMatching(/^coap:\/\/127\.0\.0\.1:\d+$/) });
    expect(mqtt).toEqual({ url: broker.url, base: 'tasmota_plug-1' });
    expect(fleet.servers.map((s) => s.url.split(':')[0])).toEqual(['tcp', 'opc.tcp', 'coap']);

    const coapClient = new CoapTestClient(coap!.url as string);
    expect((await coapClient.send('GET', '/bat')).payload.toString()).toBe('2900');
    coapClient.close();
    const subscriber = await connectAsync(broker.url, { protocolVersion: 4 });
    const topics = new Set<string>();
    subscriber.on('message', (topic) => topics.add(topic));
    await subscriber.subscribeAsync('tele/tasmota_plug-1/SENSOR');
    await waitFor('the plug telemetry', () => topics.size > 0);
    await subscriber.endAsync();

    await fleet.close();
    fleet = undefined;
    await waitFor('every socket closed', () => handles() === before);
  });
});

describe('a site broker', () => {
  it('is started for MQTT groups without a broker, refuses anonymous clients, and is handed to the agent with its credentials', async () => {
    const fleet = await startFleet(parseScenario('siteBroker: {}\ndevices: [{ profile: airgradient-one, base: "ag/{id}", publishInterval: 5s }]', 'x.yaml'), profiles);
    try {
      const [device] = fleet.agentDevices();
      expect(device).toMatchObject({ interval: '5s', connection: { url: fleet.siteBroker!.url, base: 'ag/airgradient-one-1', username: 'site', password: fleet.siteBroker!.password } });
      await expect(connectAsync(fleet.siteBroker!.url, { protocolVersion: 4, reconnectPeriod: 0 })).rejects.toThrow(/Not authorized|Bad username or password/i);
      const subscriber = await connectAsync(fleet.siteBroker!.url, { protocolVersion: 4, username: 'site', password: fleet.siteBroker!.password });
      await subscriber.subscribeAsync('ag/#');
      const message = await new Promise<string>((resolve) => subscriber.once('message', (_t, payload) => resolve(payload.toString())));
      expect(JSON.parse(message)).toHaveProperty('rco2');
      await subscriber.endAsync();
    } finally {
      await fleet.close();
    }
  });
});
