import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  DurationSchema, ValidationError, checkSchema, locateProblems, parseDuration, parseYamlSource, type Problem,
} from '@afferent/device-profiles';
import { Type, type Static } from 'typebox';
import {
  checkTimeseriesConfig, DEFAULT_TIMESERIES_CONFIG, resolveTimeseriesConfig, TimeseriesConfigSchema, type TimeseriesConfig,
} from '../timeseries/timeseries-config.js';
import { AlarmsConfigSchema, checkAlarmsConfig, resolveAlarmsConfig, type AlarmsConfig } from '../alarms/alarm-config.js';
import {
  AccessConfigFields, checkAccessConfig, DEFAULT_ACCESS_CONFIG, resolveAccessConfig, type AccessConfig, type AccessOverrides,
} from './access-config.js';

/**
 * The hub's configuration file. Every field is optional: a hub with no file at
 * all runs with the defaults below, which is what a first try needs.
 */

const Host = Type.String({ minLength: 1, expected: 'a host name or IP address to listen on, e.g. 0.0.0.0' });
const Port = Type.Integer({ minimum: 0, maximum: 65535, expected: 'a TCP port 0–65535 (0: any free port)' });
const Listener = Type.Object(
  { host: Type.Optional(Host), port: Type.Optional(Port) },
  { additionalProperties: false },
);

/**
 * Requests per token (per client address without a valid token) in a fixed
 * window; `false` turns the limit off. The default leaves room for the
 * benchmarks' bursts (100 concurrent commands from one token; see the README).
 */
export const ApiConfigSchema = Type.Object(
  {
    rateLimit: Type.Optional(Type.Union([
      Type.Literal(false),
      Type.Object(
        {
          max: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, expected: 'requests per window, 1–1000000' })),
          window: Type.Optional(DurationSchema),
        },
        { additionalProperties: false },
      ),
    ], { expected: 'false, or { max, window }' })),
  },
  { additionalProperties: false },
);

export const DEFAULT_RATE_LIMIT = Object.freeze({ max: 3000, windowMs: 60_000 });

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const HubConfigFileSchema = Type.Object(
  {
    /** The HTTP API (and /docs, /metrics, /healthz); HTTPS when `tls` is set. */
    http: Type.Optional(Listener),
    /** How the API serves: its rate limit. */
    api: Type.Optional(ApiConfigSchema),
    /** TLS, the MQTT listeners, the advertised host name, provisioning (see access-config.ts). */
    ...AccessConfigFields,
    /** Where registry.db, timeseries.db and alarms.db live. */
    dataDir: Type.Optional(Type.String({ minLength: 1, expected: 'a folder path' })),
    /** Extra profile folders, loaded after the built-in library. */
    profileDirs: Type.Optional(Type.Array(Type.String({ minLength: 1, expected: 'a folder path' }))),
    logLevel: Type.Optional(Type.Enum(LOG_LEVELS)),
    /** Which store keeps samples, and how (see timeseries/timeseries-config.ts). */
    timeseries: Type.Optional(TimeseriesConfigSchema),
    commands: Type.Optional(Type.Object(
      {
        /** Expiry of a command that does not give its own `expiresIn`. */
        defaultExpiry: Type.Optional(DurationSchema),
        /** How long after its expiry a delivered command may take to report its outcome before it is timed-out. */
        resultTimeout: Type.Optional(DurationSchema),
      },
      { additionalProperties: false },
    )),
    /** Alarm webhooks and hub rules. */
    alarms: Type.Optional(AlarmsConfigSchema),
  },
  { additionalProperties: false },
);
export type HubConfigFile = Static<typeof HubConfigFileSchema>;

/** The configuration the hub runs with: every default filled in, paths absolute. */
export interface HubConfig extends AccessConfig {
  http: { host: string; port: number };
  /** null: no rate limit. */
  api: { rateLimit: { max: number; windowMs: number } | null };
  dataDir: string;
  profileDirs: string[];
  logLevel: LogLevel;
  timeseries: TimeseriesConfig;
  commands: { defaultExpiryMs: number; resultTimeoutMs: number };
  alarms: AlarmsConfig;
}

/** What command-line flags may override. */
export interface HubConfigOverrides extends AccessOverrides {
  httpPort?: number;
  dataDir?: string;
}

export const DEFAULT_HUB_CONFIG: Readonly<HubConfig> = Object.freeze({
  http: { host: '0.0.0.0', port: 8080 },
  api: { rateLimit: DEFAULT_RATE_LIMIT },
  ...DEFAULT_ACCESS_CONFIG,
  dataDir: '.afferent/hub',
  profileDirs: [],
  logLevel: 'info',
  timeseries: DEFAULT_TIMESERIES_CONFIG,
  commands: { defaultExpiryMs: 60_000, resultTimeoutMs: 30_000 },
  alarms: { webhooks: [], rules: [] },
});

/**
 * Fill in defaults and apply overrides. Paths in a file are relative to that
 * file's folder (so a config travels with its profiles); paths given on the
 * command line or in code are relative to the working directory.
 */
export function resolveHubConfig(file: HubConfigFile = {}, overrides: HubConfigOverrides = {}, fileDir = process.cwd()): HubConfig {
  const fromFile = (path: string) => resolve(fileDir, path);
  return {
    http: {
      host: overrides.host ?? file.http?.host ?? DEFAULT_HUB_CONFIG.http.host,
      port: overrides.httpPort ?? file.http?.port ?? DEFAULT_HUB_CONFIG.http.port,
    },
    api: { rateLimit: resolveRateLimit(file.api?.rateLimit) },
    ...resolveAccessConfig(file, overrides, fromFile),
    dataDir: overrides.dataDir !== undefined
      ? resolve(overrides.dataDir)
      : file.dataDir !== undefined ? fromFile(file.dataDir) : resolve(DEFAULT_HUB_CONFIG.dataDir),
    profileDirs: (file.profileDirs ?? []).map(fromFile),
    logLevel: file.logLevel ?? DEFAULT_HUB_CONFIG.logLevel,
    timeseries: resolveTimeseriesConfig(file.timeseries, fileDir),
    commands: {
      defaultExpiryMs: file.commands?.defaultExpiry !== undefined ? parseDuration(file.commands.defaultExpiry) : DEFAULT_HUB_CONFIG.commands.defaultExpiryMs,
      resultTimeoutMs: file.commands?.resultTimeout !== undefined ? parseDuration(file.commands.resultTimeout) : DEFAULT_HUB_CONFIG.commands.resultTimeoutMs,
    },
    alarms: resolveAlarmsConfig(file.alarms),
  };
}

function resolveRateLimit(rateLimit: Static<typeof ApiConfigSchema>['rateLimit']): HubConfig['api']['rateLimit'] {
  if (rateLimit === false) return null;
  return {
    max: rateLimit?.max ?? DEFAULT_RATE_LIMIT.max,
    windowMs: rateLimit?.window !== undefined ? parseDuration(rateLimit.window) : DEFAULT_RATE_LIMIT.windowMs,
  };
}

/** Every problem in a config text, each with `file:line path: message`. */
export function checkHubConfigText(text: string, source: string, fileDir: string): { config?: HubConfigFile; problems: Problem[] } {
  const { doc, problems: syntax } = parseYamlSource(text, source);
  if (!doc) return { problems: syntax };
  // An empty file is a valid config: all defaults.
  const value = doc.value ?? {};
  const problems = checkSchema(HubConfigFileSchema, value);
  if (problems.length > 0) return { problems: locateProblems(doc, problems) };
  const config = value as HubConfigFile;
  // What the schema cannot say: folders that must exist, fields that depend on each other.
  const more: Problem[] = [...checkTimeseriesConfig(config.timeseries ?? {}, fileDir), ...checkAccessConfig(config, fileDir)];
  (config.profileDirs ?? []).forEach((dir, index) => {
    const path = resolve(fileDir, dir);
    if (!existsSync(path) || !statSync(path).isDirectory()) {
      more.push({ path: ['profileDirs', index], message: `no such folder: ${path}` });
    }
  });
  return { config, problems: locateProblems(doc, [...more, ...checkAlarmsConfig(config.alarms)]) };
}

/** Read and check a config file; throws ValidationError listing every problem. */
export function loadHubConfigFile(path: string, overrides: HubConfigOverrides = {}): HubConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ValidationError(`config ${path}`, [{ source: path, path: [], message: `cannot read: ${(error as Error).message}` }]);
  }
  const fileDir = dirname(resolve(path));
  const { config, problems } = checkHubConfigText(text, path, fileDir);
  if (!config || problems.length > 0) throw new ValidationError(`config ${path}`, problems);
  return resolveHubConfig(config, overrides, fileDir);
}
