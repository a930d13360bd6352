import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDuration, type DeviceInstance, type DeviceProfile, type Protocol } from '@afferent/device-profiles';
import { SimulatedDevice } from '../device/simulated-device.js';
import { TimerSet } from '../device/timer-set.js';
import { startSiteBroker, type SiteBroker } from '../mqtt/site-broker.js';
import { LAUNCHERS, type FleetDevice, type FleetServer, type GroupPlan, type Launched } from './launchers.js';
import type { DeviceGroup, Scenario } from './scenario.js';

export type { FleetDevice, FleetServer } from './launchers.js';

export interface Fleet {
  devices: FleetDevice[];
  servers: FleetServer[];
  /** The site MQTT broker the scenario asked for. */
  siteBroker?: SiteBroker;
  /** The `devices:` section of an edge-agent configuration for this fleet. */
  agentDevices(interval?: string): DeviceInstance[];
  close(): Promise<void>;
}

export interface FleetOptions {
  /** Where OPC UA servers keep their PKI; default: a temporary folder, removed on close. */
  pkiDir?: string;
}

/**
 * Start every device of a scenario, each over its profile's protocol: Modbus
 * devices that share a port share a server, OPC UA and CoAP devices get a
 * server each, MQTT devices connect to the group's broker.
 */
export async function startFleet(scenario: Scenario, profiles: ReadonlyMap<string, DeviceProfile>, options: FleetOptions = {}): Promise<Fleet> {
  const host = scenario.host ?? '127.0.0.1';
  let temporaryPki: string | undefined;
  const pkiDir = () => options.pkiDir ?? (temporaryPki ??= mkdtempSync(join(tmpdir(), 'afferent-sim-pki-')));
  const removePki = () => temporaryPki && rmSync(temporaryPki, { recursive: true, force: true });

  const siteBroker = scenario.siteBroker ? await startSiteBroker({ host, port: scenario.siteBroker.port ?? 0 }) : undefined;
  const onSiteBroker = (group: DeviceGroup): DeviceGroup =>
    siteBroker && group.broker === undefined ? { ...group, broker: siteBroker.url, username: siteBroker.username, password: siteBroker.password } : group;
  let seed = scenario.seed ?? 1;
  const plans = scenario.devices.map(onSiteBroker).map((group, index): GroupPlan & { protocol: Protocol } => {
    const profile = profiles.get(group.profile);
    if (!profile) throw new Error(`scenario devices[${index}]: unknown profile "${group.profile}"`);
    const planned = Array.from({ length: group.count ?? 1 }, (_, n) => ({
      id: `${group.idPrefix ?? group.profile}-${n + 1}`,
      device: new SimulatedDevice({ profile, signals: group.signals ?? {}, seed: seed++ }),
    }));
    return { group, index, planned, protocol: profile.protocol };
  });

  const launched: Launched[] = [];
  try {
    for (const protocol of new Set(plans.map((p) => p.protocol))) {
      launched.push(await LAUNCHERS[protocol](plans.filter((p) => p.protocol === protocol), { host, pkiDir }));
    }
  } catch (error) {
    await Promise.all(launched.flatMap((l) => l.parts).map((part) => part.close()));
    await siteBroker?.close();
    removePki();
    throw error;
  }
  // In scenario order, whatever order the protocols started in.
  const order = new Map(plans.flatMap((p) => p.planned.map((entry) => entry.device)).map((device, i) => [device, i]));
  const devices = launched.flatMap((l) => l.devices).sort((a, b) => order.get(a.device)! - order.get(b.device)!);
  const timers = scheduleFaults(plans.map(({ group, planned }) => ({ group, devices: devices.filter((d) => planned.some((p) => p.device === d.device)) })));
  return {
    devices,
    servers: launched.flatMap((l) => l.servers),
    ...(siteBroker && { siteBroker }),
    agentDevices: (interval = '1s') => devices.map((d) => ({ id: d.id, profile: d.profile.profile, connection: d.connection, interval: d.interval ?? interval })),
    async close() {
      timers.clear();
      await Promise.all(launched.flatMap((l) => l.parts).map((part) => part.close()));
      await siteBroker?.close();
      removePki();
    },
  };
}

function scheduleFaults(plans: { group: DeviceGroup; devices: FleetDevice[] }[]): TimerSet {
  // Unreferenced: a fault schedule alone must not keep a process alive.
  const timers = new TimerSet({ unref: true });
  for (const { group, devices } of plans) {
    for (const { fault, after, for: duration, every } of group.faults ?? []) {
      const cycle = () => {
        for (const d of devices) d.setFault(fault);
        timers.after(parseDuration(duration), () => {
          for (const d of devices) d.setFault(undefined);
        });
        if (every) timers.after(parseDuration(every), cycle);
      };
      timers.after(parseDuration(after), cycle);
    }
  }
  return timers;
}
