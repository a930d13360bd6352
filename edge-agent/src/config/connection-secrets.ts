import { accessSync, constants } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { DeviceInstance, Problem } from '@afferent/device-profiles';

/**
 * A device connection may keep its password out of the configuration in a
 * `passwordFile` (OPC UA, MQTT), relative to the configuration's folder. The
 * check sees it readable; the resolved config carries the absolute path and
 * the driver reads it when it connects.
 */
export function checkConnectionSecrets(connection: Record<string, unknown>, baseDir: string): Problem[] {
  const { password, passwordFile } = connection;
  if (typeof passwordFile !== 'string') return [];
  if (password !== undefined) return [{ path: ['connection', 'passwordFile'], message: 'give password or passwordFile, not both' }];
  const absolute = resolve(baseDir, passwordFile);
  try {
    accessSync(absolute, constants.R_OK);
    return [];
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    return [{ path: ['connection', 'passwordFile'], message: `cannot read ${absolute}: ${reason}` }];
  }
}

export function resolveConnectionSecrets(device: DeviceInstance, baseDir: string): DeviceInstance {
  const file = device.connection.passwordFile;
  if (typeof file !== 'string' || isAbsolute(file)) return device;
  return { ...device, connection: { ...device.connection, passwordFile: resolve(baseDir, file) } };
}
