import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeWire, encodeWire, type DesiredConfig } from '@afferent/device-profiles';

/**
 * The last configuration pushed by the hub that the agent applied, in its
 * data folder: a restart without the hub runs it again. Readable by the owner
 * only, since device connections may carry passwords.
 */
export const APPLIED_CONFIG_FILE = 'applied-config.json';

export function appliedConfigPath(dataDir: string): string {
  return join(dataDir, APPLIED_CONFIG_FILE);
}

/** Replace the stored config in one step (write, then rename): a crash leaves the old one or the new one. */
export function saveAppliedConfig(dataDir: string, config: DesiredConfig): void {
  mkdirSync(dataDir, { recursive: true });
  const path = appliedConfigPath(dataDir);
  writeFileSync(`${path}.tmp`, encodeWire('config', config), { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

/** The stored config; undefined when none was ever applied; an error when the file is damaged. */
export function loadAppliedConfig(dataDir: string): { config?: DesiredConfig; error?: string } {
  const path = appliedConfigPath(dataDir);
  if (!existsSync(path)) return {};
  const decoded = decodeWire('config', readFileSync(path));
  return decoded.ok ? { config: decoded.value } : { error: `${path}: ${decoded.error}` };
}
