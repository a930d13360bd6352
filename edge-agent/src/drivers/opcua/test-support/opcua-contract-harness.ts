import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProfileLibrary, type PointValue } from '@afferent/device-profiles';
import { SimulatedDevice, startOpcuaSimulator, type OpcuaSimulator } from '@afferent/simulators';
import type { DriverContractHarness } from '../../test-support/driver-contract.js';
import { createOpcuaDriver } from '../opcua-driver.js';

const BOILER = loadProfileLibrary().profiles.get('opcua-boiler')!;
const VALUES: Record<string, PointValue> = {
  drum_level: 512.5, feedwater_flow: 12.25, steam_flow: 11.5, drum_pressure: 18.75, steam_temperature: 211.5,
  burner_on: true, operating_hours: 4321, level_setpoint: 500, mode: 'automatic',
};

/** The OPC UA driver against the simulator serving the boiler, restarted on the same port and PKI folder. */
export function opcuaHarness(): DriverContractHarness {
  const dir = mkdtempSync(join(tmpdir(), 'afferent-opcua-contract-'));
  const device = new SimulatedDevice({ profile: BOILER });
  let sim: OpcuaSimulator | undefined;
  let port = 0;
  const startPeer = async () => {
    for (const [name, value] of Object.entries(VALUES)) device.set(name, value);
    sim = await startOpcuaSimulator({ port, pkiDir: join(dir, 'server'), devices: [{ id: 'boiler-1', device }] });
    port = sim.port;
  };
  return {
    async start() {
      await startPeer();
      return { profile: BOILER, instance: { id: 'contract-opcua', profile: BOILER.profile, interval: '200ms', connection: { url: sim!.endpointUrl, timeout: '2s' } } };
    },
    async stopPeer() {
      await sim?.close();
      sim = undefined;
    },
    startPeer,
    values: () => ({ ...VALUES }),
    writes: { level_setpoint: 650, mode: 'manual' },
    garble(on) {
      sim!.setFault(on ? { kind: 'garbage' } : undefined);
    },
    change(point, value) {
      device.set(point, value);
    },
    createDriver: () => createOpcuaDriver({ dataDir: join(dir, 'agent') }),
    async stop() {
      await sim?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
