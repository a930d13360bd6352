import { parseDuration, type DeviceProfile } from '@afferent/device-profiles';
import { SimulatedDevice } from '../device/simulated-device.js';
import type { Fault } from '../device/fault.js';
import { ModbusSimulator, type ModbusDeviceSpec } from '../modbus/modbus-simulator.js';
import type { Scenario } from './scenario.js';

/** One simulated device of a running fleet, and where an agent finds it. */
export interface FleetDevice {
  id: string;
  profile: DeviceProfile;
  device: SimulatedDevice;
  url: string;
  unitId: number;
  server: ModbusSimulator;
}

export interface Fleet {
  devices: FleetDevice[];
  servers: ModbusSimulator[];
  /** The `devices:` section of an edge-agent configuration for this fleet. */
  agentDevices(interval?: string): object[];
  close(): Promise<void>;
}

/** Start every device of a scenario. Devices that share a port share one server, one unit id each. */
export async function startFleet(scenario: Scenario, profiles: ReadonlyMap<string, DeviceProfile>): Promise<Fleet> {
  const host = scenario.host ?? '127.0.0.1';
  const planned: { id: string; profile: DeviceProfile; portKey: string; port: number; spec: ModbusDeviceSpec & { device: SimulatedDevice } }[] = [];
  const faultPlans: { devices: SimulatedDevice[]; faults: NonNullable<Scenario['devices'][number]['faults']> }[] = [];
  scenario.devices.forEach((group, groupIndex) => {
    const profile = profiles.get(group.profile);
    if (!profile) throw new Error(`scenario devices[${groupIndex}]: unknown profile "${group.profile}"`);
    const perPort = group.unitsPerPort ?? 1;
    const groupDevices: SimulatedDevice[] = [];
    for (let n = 0; n < (group.count ?? 1); n++) {
      const portIndex = Math.floor(n / perPort);
      const port = group.port ? group.port + portIndex : 0;
      const device = new SimulatedDevice({ profile, signals: group.signals ?? {}, seed: (scenario.seed ?? 1) + planned.length });
      groupDevices.push(device);
      planned.push({
        id: `${group.idPrefix ?? group.profile}-${n + 1}`,
        profile,
        port,
        portKey: port ? `port:${port}` : `group:${groupIndex}:${portIndex}`,
        spec: { unitId: (group.unitId ?? 1) + (n % perPort), device },
      });
    }
    if (group.faults) faultPlans.push({ devices: groupDevices, faults: group.faults });
  });

  const byServer = new Map<string, typeof planned>();
  for (const entry of planned) byServer.set(entry.portKey, [...(byServer.get(entry.portKey) ?? []), entry]);
  const servers: ModbusSimulator[] = [];
  const devices: FleetDevice[] = [];
  try {
    for (const entries of byServer.values()) {
      const server = await ModbusSimulator.start({ host, port: entries[0]!.port, devices: entries.map((e) => e.spec) });
      servers.push(server);
      for (const entry of entries) {
        devices.push({ id: entry.id, profile: entry.profile, device: entry.spec.device, url: server.url, unitId: entry.spec.unitId, server });
      }
    }
  } catch (error) {
    await Promise.all(servers.map((s) => s.close()));
    throw error;
  }

  const timers = scheduleFaults(faultPlans, devices);
  return {
    devices,
    servers,
    agentDevices: (interval = '1s') =>
      devices.map((d) => ({ id: d.id, profile: d.profile.profile, connection: { url: d.url, unitId: d.unitId }, interval })),
    async close() {
      for (const timer of timers) clearTimeout(timer);
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}

function scheduleFaults(plans: { devices: SimulatedDevice[]; faults: { fault: Fault; after: string; for: string; every?: string }[] }[], fleet: FleetDevice[]): Set<NodeJS.Timeout> {
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timer.unref();
    timers.add(timer);
  };
  for (const plan of plans) {
    const targets = fleet.filter((d) => plan.devices.includes(d.device));
    for (const { fault, after, for: duration, every } of plan.faults) {
      const cycle = () => {
        for (const target of targets) target.server.setFault(fault, target.unitId);
        later(parseDuration(duration), () => {
          for (const target of targets) target.server.setFault(undefined, target.unitId);
        });
        if (every) later(parseDuration(every), cycle);
      };
      later(parseDuration(after), cycle);
    }
  }
  return timers;
}
