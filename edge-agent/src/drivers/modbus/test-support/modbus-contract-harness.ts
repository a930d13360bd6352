import {
  startModbusRtuSimulator, startModbusSimulator, startPtyPair, type ModbusServerBase, type PtyPair,
} from '@afferent/simulators';
import type { DriverContractHarness } from '../../test-support/driver-contract.js';
import { createModbusDriver } from '../modbus-driver.js';
import { PROFILE, VALUES } from './every-table.js';

const LINE = { baudRate: 19200, parity: 'even' } as const;

/**
 * The Modbus driver against the simulator serving the every-table profile at
 * unit 1: over TCP on a loopback port, or over RTU on a pty pair (the line
 * stays while the simulator, the device, goes away and comes back).
 */
export function modbusHarness(transport: 'tcp' | 'rtu'): DriverContractHarness {
  let peer: ModbusServerBase | undefined;
  let pair: PtyPair | undefined;
  let port = 0;
  const startPeer = async () => {
    const devices = [{ unitId: 1, profile: PROFILE }];
    if (transport === 'tcp') {
      const sim = await startModbusSimulator({ port, devices });
      port = sim.port;
      peer = sim;
    } else {
      peer = await startModbusRtuSimulator({ path: pair!.device, ...LINE, devices });
    }
    for (const [name, value] of Object.entries(VALUES)) peer.unit(1).set(name, value);
  };
  return {
    async start() {
      if (transport === 'rtu') pair = await startPtyPair();
      await startPeer();
      const connection = transport === 'tcp' ? { url: peer!.url } : { url: `rtu:${pair!.client}`, ...LINE };
      return { profile: PROFILE, instance: { id: `contract-${transport}`, profile: PROFILE.profile, connection: { ...connection, unitId: 1, timeout: '300ms' } } };
    },
    async stopPeer() {
      await peer?.close();
      peer = undefined;
    },
    startPeer,
    values: () => ({ ...VALUES }),
    writes: { setpoint: 23.5, mode: 'off', tripped: true, limit: 42, relay2: true },
    garble(on) {
      peer!.setFault(on ? { kind: 'garbage' } : undefined, 1);
    },
    // A short quarantine: the cases that silence the peer should not wait long for it to be asked again.
    createDriver: () => createModbusDriver({ quarantine: { after: 3, firstMs: 200, maxMs: 1000 } }),
    async stop() {
      await peer?.close();
      await pair?.close();
    },
  };
}
