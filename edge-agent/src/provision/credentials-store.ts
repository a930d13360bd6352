import { chownSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';

/**
 * What `edge-agent provision` keeps in the agent's data folder, readable by
 * its owner only: the gateway's MQTT credentials (`credentials.json`) and the
 * hub's CA certificate (`hub-ca.pem`). `edge-agent run` reads them when its
 * configuration does not give a password (or a CA) of its own.
 */
export const CREDENTIALS_FILE = 'credentials.json';
export const HUB_CA_FILE = 'hub-ca.pem';

export const StoredCredentialsSchema = Type.Object({
  gateway: Type.String(),
  /** The hub's API, where the token was exchanged. */
  hub: Type.String(),
  mqtt: Type.Object({ url: Type.String(), username: Type.String(), password: Type.String() }),
  provisioned: Type.Integer({ description: 'when, ms' }),
});
export type StoredCredentials = Static<typeof StoredCredentialsSchema>;

export function credentialsPath(dataDir: string): string {
  return join(dataDir, CREDENTIALS_FILE);
}

export function hubCaPath(dataDir: string): string {
  return join(dataDir, HUB_CA_FILE);
}

/** Write the credentials (and the hub's CA) atomically, mode 0600; the files belong to whoever owns the data folder. */
export function writeCredentials(dataDir: string, credentials: StoredCredentials, ca: string | undefined): { credentials: string; ca?: string } {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const written = { credentials: writePrivate(dataDir, CREDENTIALS_FILE, `${JSON.stringify(credentials, null, 2)}\n`) };
  return ca === undefined ? written : { ...written, ca: writePrivate(dataDir, HUB_CA_FILE, ca) };
}

/** The stored credentials, undefined when there are none; throws with what is wrong when the file is damaged. */
export function readCredentials(dataDir: string): StoredCredentials | undefined {
  const path = credentialsPath(dataDir);
  if (!existsSync(path)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}; run edge-agent provision again`);
  }
  if (!Value.Check(StoredCredentialsSchema, value)) throw new Error(`${path} is not what edge-agent provision writes; run it again`);
  return value;
}

function writePrivate(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  // Provisioning as root for a service user: hand the files to the owner of the data folder.
  const owner = statSync(dir);
  if (process.getuid?.() === 0 && owner.uid !== 0) chownSync(temporary, owner.uid, owner.gid);
  renameSync(temporary, path);
  return path;
}
