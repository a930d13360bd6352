import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProfileLibrary } from '@afferent/device-profiles';
import { startCoapSimulator, startModbusSimulator, startMqttDevice, startOpcuaSimulator } from '@afferent/simulators';
import { startAgent } from './agent.js';
import { loadAgentConfig } from './config/agent-config.js';
import type { HealthReport } from './status/status-server.js';
import { startBroker } from './test-support/mqtt-broker.js';
import { tempDirs } from './test-support/temp-dir.js';
import { startTestHub, type TestHub } from './test-support/test-hub.js';
import { waitFor } from '@afferent/testkit';

const profiles = loadProfileLibrary().profiles;
const dirs = tempDirs();
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  dirs.cleanup();
});

function latest(hub: TestHub, device: string, point: string): unknown {
  const readings = [...hub.batches.values()].flatMap((b) => b.readings).filter((r) => r.d === device && point in r.v);
  return readings.sort((a, b) => a.t - b.t).at(-1)?.v[point];
}

describe('the agent with a device of every protocol', () => {
  it('delivers readings of Modbus, OPC UA (subscribed), CoAP (observed) and MQTT devices, with health and alarms', async () => {
    const broker = await startBroker();
    cleanups.push(() => broker.close());
    const hub = await startTestHub(broker.url);
    cleanups.push(() => hub.close());
    const modbus = await startModbusSimulator({ devices: [{ unitId: 1, profile: profiles.get('xy-md02')! }] });
    const opcua = await startOpcuaSimulator({ pkiDir: dirs.make(), devices: [{ id: 'boiler-1', profile: profiles.get('opcua-boiler')! }] });
    const coap = await startCoapSimulator({ devices: [{ id: 'env-1', profile: profiles.get('coap-env-senml')! }] });
    const plug = await startMqttDevice({ brokerUrl: broker.url, profile: profiles.get('tasmota-smart-plug')!, id: 'plug-1', publishInterval: 200 });
    cleanups.push(() => modbus.close(), () => opcua.close(), () => coap.close(), () => plug.close());
    modbus.unit(1).set('temperature', 21.5);
    opcua.device().set('drum_level', 480);
    coap.device().set('temperature', 19.25);
    plug.device.set('power', 75);

    const dir = dirs.make();
    writeFileSync(join(dir, 'agent.yaml'), `gateway: { id: gw-all }
hub: { url: "${broker.url}", password: unused }
dataDir: data
status: { port: 0 }
logLevel: silent
devices:
  - { id: th-1, profile: xy-md02, interval: 200ms, connection: { url: "${modbus.url}", unitId: 1 } }
  - { id: boiler-1, profile: opcua-boiler, interval: 200ms, connection: { url: "${opcua.endpointUrl}" } }
  - { id: env-1, profile: coap-env-senml, interval: 200ms, connection: { url: "${coap.url}" } }
  - { id: plug-1, profile: tasmota-smart-plug, interval: 200ms, connection: { url: "${broker.url}" } }
`);
    const agent = await startAgent(loadAgentConfig(join(dir, 'agent.yaml')));
    cleanups.push(() => agent.stop());

    await waitFor('readings from every device', () => latest(hub, 'th-1', 'temperature') === 21.5 && latest(hub, 'boiler-1', 'drum_level') === 480
      && latest(hub, 'boiler-1', 'operating_hours') === 0 && latest(hub, 'env-1', 'temperature') === 19.25
      && latest(hub, 'env-1', 'battery') === 0 && latest(hub, 'plug-1', 'power') === 75, 20_000);

    // Pushed values reach the alarms too: a drum level above 750 for 2 s is critical.
    opcua.device().set('drum_level', 760);
    coap.device().set('temperature', 24.5);
    await waitFor('pushed changes', () => latest(hub, 'boiler-1', 'drum_level') === 760 && latest(hub, 'env-1', 'temperature') === 24.5);
    const health = await waitFor('every device reachable and the alarm raised', async () => {
      const report = (await (await fetch(`${agent.statusUrl}/healthz`)).json()) as HealthReport;
      return Object.values(report.devices).every((d) => d.reachable) && report.alarms['boiler-1']?.drum_level_high ? report : undefined;
    }, 15_000);
    expect(Object.keys(health.devices).sort()).toEqual(['boiler-1', 'env-1', 'plug-1', 'th-1']);
  });
});
