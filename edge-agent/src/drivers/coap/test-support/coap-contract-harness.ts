import { loadProfileLibrary, type PointValue } from '@afferent/device-profiles';
import { SimulatedDevice, startCoapSimulator, type CoapSimulator } from '@afferent/simulators';
import type { DriverContractHarness } from '../../test-support/driver-contract.js';
import { createCoapDriver } from '../coap-driver.js';

const ENV = loadProfileLibrary().profiles.get('coap-env-senml')!;
const VALUES: Record<string, PointValue> = { temperature: 21.25, humidity: 48.5, pressure: 1013.5, battery: 2875, led: false };

/** The CoAP driver against the simulator serving the SenML environmental node, restarted on the same UDP port. */
export function coapHarness(): DriverContractHarness {
  const device = new SimulatedDevice({ profile: ENV });
  let sim: CoapSimulator | undefined;
  let port = 0;
  const startPeer = async () => {
    for (const [name, value] of Object.entries(VALUES)) device.set(name, value);
    sim = await startCoapSimulator({ port, devices: [{ id: 'env-1', device }] });
    port = sim.port;
  };
  return {
    async start() {
      await startPeer();
      return { profile: ENV, instance: { id: 'contract-coap', profile: ENV.profile, connection: { url: sim!.url, timeout: '500ms' } } };
    },
    async stopPeer() {
      await sim?.close();
      sim = undefined;
    },
    startPeer,
    values: () => ({ ...VALUES }),
    writes: { led: true },
    garble(on) {
      sim!.setFault(on ? { kind: 'garbage' } : undefined);
    },
    change(point, value) {
      device.set(point, value);
    },
    createDriver: () => createCoapDriver(),
    async stop() {
      await sim?.close();
    },
  };
}
