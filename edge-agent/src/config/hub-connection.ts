import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Problem } from '@afferent/device-profiles';
import { credentialsPath, hubCaPath, readCredentials } from '../provision/credentials-store.js';

/** How the agent reaches the hub, with every secret read. */
export interface HubConnection {
  url: string;
  username: string;
  password?: string;
  /** The CA certificate(s) to verify an mqtts:// hub by; absent: the system's CAs. */
  ca?: string;
  /** Where the password came from when provisioning stored it: read again before each reconnect (a re-provisioned gateway). */
  credentialsFile?: string;
}

interface HubSection {
  url?: unknown;
  username?: unknown;
  password?: unknown;
  passwordFile?: unknown;
  ca?: unknown;
}

/**
 * The configuration's `hub` section over what `edge-agent provision` stored:
 * what the file says wins, field by field; the rest comes from the data
 * folder's credentials.json and hub-ca.pem.
 */
export function resolveHubConnection(
  section: unknown, gatewayId: string, dataDir: string, baseDir: string, problems: Problem[],
): HubConnection | undefined {
  const hub = (typeof section === 'object' && section !== null ? section : {}) as HubSection;
  let stored: ReturnType<typeof readCredentials>;
  try {
    stored = readCredentials(dataDir);
  } catch (error) {
    problems.push({ path: ['hub'], message: (error as Error).message });
  }
  if (stored && stored.gateway !== gatewayId) {
    problems.push({ path: ['gateway', 'id'], message: `${credentialsPath(dataDir)} holds the credentials of gateway ${stored.gateway}, not ${gatewayId}` });
  }
  const url = typeof hub.url === 'string' ? hub.url : stored?.mqtt.url;
  // The url is logged and printed; credentials in it would be too.
  if (url?.includes('@')) problems.push({ path: ['hub', 'url'], message: 'no credentials in the url: use hub.username and hub.passwordFile' });
  if (url === undefined) {
    problems.push({ path: ['hub', 'url'], message: 'missing: provision the gateway (edge-agent provision --hub … --token …) or give hub.url' });
  }
  const password = readPassword(hub, baseDir, problems);
  const ca = readCa(hub.ca, dataDir, baseDir, problems);
  if (url === undefined) return undefined;
  const secret = password !== undefined ? { password }
    : stored !== undefined ? { password: stored.mqtt.password, credentialsFile: credentialsPath(dataDir) } : {};
  return {
    url,
    username: typeof hub.username === 'string' ? hub.username : stored?.mqtt.username ?? gatewayId,
    ...secret,
    ...(ca !== undefined ? { ca } : {}),
  };
}

/** The password, from the config or from passwordFile. */
function readPassword(hub: HubSection, baseDir: string, problems: Problem[]): string | undefined {
  const { password, passwordFile } = hub;
  if (typeof passwordFile !== 'string') return typeof password === 'string' ? password : undefined;
  if (password !== undefined) {
    problems.push({ path: ['hub', 'passwordFile'], message: 'give password or passwordFile, not both' });
    return undefined;
  }
  const absolute = resolve(baseDir, passwordFile);
  try {
    return readFileSync(absolute, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    problems.push({ path: ['hub', 'passwordFile'], message: `cannot read ${absolute}: ${fsReason(error)}` });
    return undefined;
  }
}

/** hub.ca, else the CA provisioning stored, else none (the system's CAs). */
function readCa(file: unknown, dataDir: string, baseDir: string, problems: Problem[]): string | undefined {
  const explicit = typeof file === 'string';
  const path = explicit ? resolve(baseDir, file) : hubCaPath(dataDir);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (explicit) problems.push({ path: ['hub', 'ca'], message: `cannot read ${path}: ${fsReason(error)}` });
    else if ((error as NodeJS.ErrnoException).code !== 'ENOENT') problems.push({ path: ['hub'], message: `cannot read ${path}: ${fsReason(error)}` });
    return undefined;
  }
}

/** "does not exist" rather than "ENOENT: no such file or directory, open '/long/path'". */
export function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'it does not exist';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a folder';
  return (error as Error).message;
}
