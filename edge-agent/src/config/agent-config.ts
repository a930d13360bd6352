import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Value } from 'typebox/value';
import {
  BUILTIN_PROFILES_DIR, DEVICE_DEFAULTS, DeviceInstanceSchema, ValidationError,
  checkDeviceInstance, checkSchema, loadProfileLibrary, locateProblems, parseDuration, parseYamlSource,
  type DeviceInstance, type DeviceProfile, type ModbusConnection, type Problem,
} from '@afferent/device-profiles';
import { DRIVER_TABLE } from '../drivers/driver-table.js';
import { checkConnectionSecrets, resolveConnectionSecrets } from './connection-secrets.js';
import { checkSharedSerialPorts } from './serial-port-check.js';
import { AGENT_DEFAULTS, AgentConfigSchema, MIN_INTERVAL_MS, parseSize, type AgentConfigFile } from './agent-config-schema.js';

export { AgentConfigSchema, AGENT_DEFAULTS } from './agent-config-schema.js';

/** A checked configuration with every default applied and every path absolute. */
export interface AgentConfig {
  /** The file it came from, for messages. */
  source: string;
  gatewayId: string;
  hub: { url: string; username: string; password?: string };
  dataDir: string;
  /** Every profile the agent knows: the built-in library and the extra folders. */
  profiles: ReadonlyMap<string, DeviceProfile>;
  devices: DeviceInstance[];
  outbox: { maxBytes: number; maxAgeMs: number; synchronous: 'normal' | 'full' };
  uplink: { batchMaxReadings: number; batchLingerMs: number; inflight: number; ackTimeoutMs: number; backfillRate: number };
  status: { host: string; port: number };
  logLevel: string;
}

/** Read and check a configuration file; throws ValidationError listing every problem as `file:line path: message`. */
export function loadAgentConfig(path: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ValidationError(`config ${path}`, [{ source: path, path: [], message: `cannot read: ${fsReason(error)}` }]);
  }
  return parseAgentConfig(text, path, dirname(resolve(path)));
}

/** Check configuration text; relative paths in it are taken from `baseDir`. */
export function parseAgentConfig(text: string, source: string, baseDir: string = process.cwd()): AgentConfig {
  const { doc, problems: syntax } = parseYamlSource(text, source);
  if (!doc) throw new ValidationError(`config ${source}`, syntax);
  const raw = doc.value as Record<string, unknown> | null;
  const problems = checkSchema(AgentConfigSchema, raw);
  // Problems in profile files carry their own file and line; the others are located in this document.
  const profileProblems: Problem[] = [];
  const library = loadProfiles(raw?.profileDirs, baseDir, problems, profileProblems);
  problems.push(...checkDevices(raw?.devices, library, baseDir));
  const password = readPassword(raw?.hub, baseDir, problems);
  if (problems.length + profileProblems.length > 0) {
    throw new ValidationError(`config ${source}`, [...locateProblems(doc, problems), ...profileProblems]);
  }
  return resolveConfig(raw as AgentConfigFile, source, baseDir, library, password);
}

function resolveConfig(
  file: AgentConfigFile, source: string, baseDir: string, profiles: Map<string, DeviceProfile>, password: string | undefined,
): AgentConfig {
  const outbox = { ...AGENT_DEFAULTS.outbox, ...file.outbox };
  const uplink = { ...AGENT_DEFAULTS.uplink, ...file.uplink };
  return {
    source,
    gatewayId: file.gateway.id,
    hub: { url: file.hub.url, username: file.hub.username ?? file.gateway.id, ...(password === undefined ? {} : { password }) },
    dataDir: resolve(baseDir, file.dataDir ?? AGENT_DEFAULTS.dataDir),
    profiles,
    devices: file.devices.map((device) => resolveConnectionSecrets(device, baseDir)),
    outbox: { maxBytes: parseSize(outbox.maxBytes), maxAgeMs: parseDuration(outbox.maxAge), synchronous: outbox.synchronous },
    uplink: {
      batchMaxReadings: uplink.batchMaxReadings,
      batchLingerMs: parseDuration(uplink.batchLinger),
      inflight: uplink.inflight,
      ackTimeoutMs: parseDuration(uplink.ackTimeout),
      backfillRate: uplink.backfillRate,
    },
    status: { ...AGENT_DEFAULTS.status, ...file.status },
    logLevel: file.logLevel ?? AGENT_DEFAULTS.logLevel,
  };
}

/** The built-in library plus each extra folder; a name defined twice is a problem at the second file. */
function loadProfiles(dirs: unknown, baseDir: string, problems: Problem[], fileProblems: Problem[]): Map<string, DeviceProfile> {
  const builtin = loadProfileLibrary(BUILTIN_PROFILES_DIR);
  const profiles = new Map(builtin.profiles);
  const origin = new Map([...builtin.sources].map(([name, file]) => [name, `built-in ${file}`]));
  fileProblems.push(...builtin.problems);
  if (!Array.isArray(dirs)) return profiles;
  dirs.forEach((dir, index) => {
    if (typeof dir !== 'string') return;
    const absolute = resolve(baseDir, dir);
    try {
      if (!statSync(absolute).isDirectory()) throw new Error('not a folder');
    } catch (error) {
      problems.push({ path: ['profileDirs', index], message: `cannot read profile folder ${absolute}: ${fsReason(error)}` });
      return;
    }
    const library = loadProfileLibrary(absolute);
    fileProblems.push(...library.problems.map((p) => ({ ...p, source: join(dir, p.source ?? '') })));
    for (const [name, profile] of library.profiles) {
      const file = join(dir, library.sources.get(name)!);
      const earlier = origin.get(name);
      if (earlier) {
        fileProblems.push({ source: file, path: ['profile'], message: `profile "${name}" is already defined in ${earlier}` });
        continue;
      }
      profiles.set(name, profile);
      origin.set(name, file);
    }
  });
  return profiles;
}

/** Rules across devices and profiles, for every device that is well-formed on its own. */
function checkDevices(devices: unknown, profiles: Map<string, DeviceProfile>, baseDir: string): Problem[] {
  if (!Array.isArray(devices)) return [];
  const problems: Problem[] = [];
  const firstIndex = new Map<string, number>();
  const modbus: { index: number; id: string; connection: ModbusConnection }[] = [];
  devices.forEach((device: unknown, index) => {
    if (!Value.Check(DeviceInstanceSchema, device)) return;
    const at = (...path: (string | number)[]) => ['devices', index, ...path];
    const first = firstIndex.get(device.id);
    if (first !== undefined) problems.push({ path: at('id'), message: `duplicate device id "${device.id}" (first at devices[${first}])` });
    else firstIndex.set(device.id, index);

    const profile = profiles.get(device.profile);
    if (!profile) {
      const known = [...profiles.keys()].sort().join(', ');
      problems.push({ path: at('profile'), message: `unknown profile "${device.profile}"; known: ${known}` });
    } else {
      const instanceProblems = [...checkDeviceInstance(device, profile), ...checkConnectionSecrets(device.connection, baseDir)];
      problems.push(...instanceProblems.map((p) => ({ ...p, path: at(...p.path) })));
      if (profile.protocol === 'modbus' && instanceProblems.length === 0) modbus.push({ index, id: device.id, connection: device.connection as ModbusConnection });
      if (!DRIVER_TABLE[profile.protocol]) {
        const drivers = Object.keys(DRIVER_TABLE).join(', ');
        problems.push({ path: at('profile'), message: `profile "${profile.profile}" speaks ${profile.protocol}, and this agent has no ${profile.protocol} driver yet (drivers: ${drivers})` });
      }
    }
    const interval = parseDuration(device.interval ?? DEVICE_DEFAULTS.interval);
    if (interval < MIN_INTERVAL_MS) problems.push({ path: at('interval'), message: `at least ${MIN_INTERVAL_MS}ms, got ${device.interval}` });
  });
  problems.push(...checkSharedSerialPorts(modbus));
  return problems;
}

/** The password, from the config or from passwordFile; and no secret in the url. */
function readPassword(hub: unknown, baseDir: string, problems: Problem[]): string | undefined {
  if (typeof hub !== 'object' || hub === null) return undefined;
  const { url, password, passwordFile } = hub as { url?: unknown; password?: unknown; passwordFile?: unknown };
  // The url is logged and printed; credentials in it would be too.
  if (typeof url === 'string' && url.includes('@')) {
    problems.push({ path: ['hub', 'url'], message: 'no credentials in the url: use hub.username and hub.passwordFile' });
  }
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

/** "does not exist" rather than "ENOENT: no such file or directory, open '/long/path'". */
function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'it does not exist';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a folder';
  return (error as Error).message;
}
