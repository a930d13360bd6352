import {
  DEVICE_DEFAULTS, checkDeviceList, parseDuration,
  type DeviceInstance, type DeviceProfile, type ModbusConnection, type Problem,
} from '@afferent/device-profiles';
import { DRIVER_TABLE } from '../drivers/driver-table.js';
import { MIN_INTERVAL_MS } from './agent-config-schema.js';
import { checkConnectionSecrets, resolveConnectionSecrets } from './connection-secrets.js';
import { checkSharedSerialPorts } from './serial-port-check.js';

/**
 * A device list as this agent would run it, from its configuration file or
 * pushed by the hub: one check for both, so a config the file would refuse is
 * refused when pushed too. On top of the shared check (templates, schema,
 * unique ids, profile and connection): a driver for the protocol, readable
 * password files, a sane poll interval, one speed per serial bus.
 */
export function checkAgentDevices(
  entries: unknown, profiles: ReadonlyMap<string, DeviceProfile>, baseDir: string,
): { devices: DeviceInstance[]; problems: Problem[] } {
  const { devices, problems } = checkDeviceList(entries, {
    profileOf: (name) => profiles.get(name),
    knownProfiles: () => [...profiles.keys()],
    checkDevice: (device, profile) => {
      const more = checkConnectionSecrets(device.connection, baseDir);
      if (!DRIVER_TABLE[profile.protocol]) {
        const drivers = Object.keys(DRIVER_TABLE).join(', ');
        more.push({ path: ['profile'], message: `profile "${profile.profile}" speaks ${profile.protocol}, and this agent has no ${profile.protocol} driver yet (drivers: ${drivers})` });
      }
      const interval = parseDuration(device.interval ?? DEVICE_DEFAULTS.interval);
      if (interval < MIN_INTERVAL_MS) more.push({ path: ['interval'], message: `at least ${MIN_INTERVAL_MS}ms, got ${device.interval}` });
      return more;
    },
  });
  // Only devices whose own connection passed count for the rule across a bus.
  const faulty = new Set(problems.map((p) => p.path[1]));
  const modbus = devices
    .filter(({ device, index }) => profiles.get(device.profile)?.protocol === 'modbus' && !faulty.has(index))
    .map(({ device, index }) => ({ index, id: device.id, connection: device.connection as ModbusConnection }));
  problems.push(...checkSharedSerialPorts(modbus));
  return { devices: devices.map(({ device }) => resolveConnectionSecrets(device, baseDir)), problems };
}
