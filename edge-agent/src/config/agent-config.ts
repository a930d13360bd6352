import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  BUILTIN_PROFILES_DIR, ValidationError, checkSchema, loadProfileLibrary, locateProblems, parseDuration, parseYamlSource,
  type DeviceInstance, type DeviceProfile, type Problem,
} from '@afferent/device-profiles';
import { checkAgentDevices } from './agent-device-check.js';
import { fsReason, resolveHubConnection, type HubConnection } from './hub-connection.js';
import { AGENT_DEFAULTS, AgentConfigSchema, parseSize, type AgentConfigFile } from './agent-config-schema.js';

export { AgentConfigSchema, AGENT_DEFAULTS } from './agent-config-schema.js';

/** A checked configuration with every default applied and every path absolute. */
export interface AgentConfig {
  /** The file it came from, for messages. */
  source: string;
  /** The folder relative paths in it are taken from (a pushed config's password files too). */
  baseDir: string;
  gatewayId: string;
  hub: HubConnection;
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
  const devices = checkAgentDevices(Array.isArray(raw?.devices) ? raw.devices : [], library, baseDir);
  problems.push(...devices.problems);
  const gatewayId = (raw?.gateway as { id?: unknown } | undefined)?.id;
  const dataDir = resolve(baseDir, typeof raw?.dataDir === 'string' ? raw.dataDir : AGENT_DEFAULTS.dataDir);
  const hub = typeof gatewayId === 'string' ? resolveHubConnection(raw?.hub, gatewayId, dataDir, baseDir, problems) : undefined;
  if (problems.length + profileProblems.length > 0 || !hub) {
    throw new ValidationError(`config ${source}`, [...locateProblems(doc, problems), ...profileProblems]);
  }
  return resolveConfig(raw as AgentConfigFile, { source, baseDir, dataDir, profiles: library, devices: devices.devices, hub });
}

function resolveConfig(
  file: AgentConfigFile,
  resolved: Pick<AgentConfig, 'source' | 'baseDir' | 'dataDir' | 'profiles' | 'devices' | 'hub'>,
): AgentConfig {
  const outbox = { ...AGENT_DEFAULTS.outbox, ...file.outbox };
  const uplink = { ...AGENT_DEFAULTS.uplink, ...file.uplink };
  return {
    ...resolved,
    gatewayId: file.gateway.id,
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
