import { readFileSync } from 'node:fs';
import { DriverError } from './driver.js';

/**
 * A device connection's password: inline, or from `passwordFile` (the
 * configuration check made the path absolute and saw it readable; a
 * trailing newline is not part of it). Read when a connection opens, so a
 * changed secret takes effect on the next reconnect.
 */
export function connectionPassword(connection: { password?: string; passwordFile?: string }, where: string): string | undefined {
  if (connection.passwordFile === undefined) return connection.password;
  try {
    return readFileSync(connection.passwordFile, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new DriverError('unreachable', `${where}: cannot read passwordFile ${connection.passwordFile}: ${(error as Error).message}`);
  }
}
