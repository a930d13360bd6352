import { isReadable, loadProfileLibrary, type PointValue } from '@afferent/device-profiles';
import { SimulatedDevice, startMqttDevice, type MqttDevice } from '@afferent/simulators';
import { startMosquitto, type Mosquitto } from '../../../test-support/mosquitto.js';
import { waitFor } from '@afferent/testkit';
import type { DeviceTarget } from '../../driver.js';
import type { DriverContractHarness } from '../../test-support/driver-contract.js';
import { createMqttDriver, type MqttDriver } from '../mqtt-driver.js';

const PLUG = loadProfileLibrary().profiles.get('tasmota-smart-plug')!;
const VALUES: Record<string, PointValue> = { power: 120.5, voltage: 231, current: 0.52, energy_total: 12.345, relay: false };

/**
 * The MQTT driver and the simulated Tasmota plug, both clients of mosquitto.
 * The peer is the broker and the device together: they go away and come
 * back on the same port. The harness watches its own driver so that a case
 * starts once the agent side has seen what the peer did.
 */
export function mqttHarness(): DriverContractHarness {
  const device = new SimulatedDevice({ profile: PLUG });
  let broker: Mosquitto | undefined;
  let plug: MqttDevice | undefined;
  let driver: MqttDriver | undefined;
  let target: DeviceTarget;
  const startDevice = async () => {
    for (const [name, value] of Object.entries(VALUES)) device.set(name, value);
    plug = await startMqttDevice({ brokerUrl: broker!.url, device, id: 'plug-c', publishInterval: 100 });
  };
  return {
    async start() {
      broker = await startMosquitto();
      await startDevice();
      target = { profile: PLUG, instance: { id: 'plug-c', profile: PLUG.profile, interval: '1s', connection: { url: broker.url } } };
      return target;
    },
    async stopPeer() {
      await plug?.close();
      await broker!.stop();
      await waitFor('the agent to see the broker gone', () => driver?.brokers().every((b) => !b.connected));
    },
    async startPeer() {
      await broker!.start();
      await startDevice();
    },
    values: () => ({ ...VALUES }),
    writes: { relay: true },
    async garble(on) {
      plug!.setFault(on ? { kind: 'garbage' } : undefined);
      if (!on) return;
      // A second session on the same driver shares the broker connection: once it has the garbage, so has the case's.
      const watcher = driver!.open(target);
      await waitFor('the garbage to reach the agent', async () => [...(await watcher.read(PLUG.points.filter(isReadable))).values()].every((r) => 'error' in r));
      await watcher.close();
    },
    change(point, value) {
      device.set(point, value);
    },
    createDriver: () => (driver = createMqttDriver()),
    async stop() {
      await plug?.close();
      await broker?.close();
    },
  };
}
