import { parseArgs } from 'node:util';
import type { HubConfigOverrides } from './hub-config.js';

/** The `cloud-hub` command line, parsed; no side effects so it is easy to test. */
export type HubCommand =
  | { command: 'run'; configFile?: string; overrides: HubConfigOverrides }
  | { command: 'check-config'; configFile: string }
  | { command: 'help' };

export const USAGE = `usage:
  cloud-hub run [--config FILE] [--http-port N] [--mqtt-port N] [--host H] [--data DIR]
  cloud-hub check-config FILE

  --config FILE    hub configuration (YAML); every field is optional
  --http-port N    HTTP API port (default 8080; 0: any free port)
  --mqtt-port N    MQTT port for gateways (default 1883; 0: any free port)
  --host H         address both listeners bind to (default 0.0.0.0)
  --data DIR       data folder (default .afferent/hub)

environment:
  AFFERENT_ADMIN_TOKEN   the bootstrap admin API token; without it, the first
                         start generates one and prints it once`;

/** A usage error: the message says what was wrong with the command line. */
export class UsageError extends Error {
  override name = 'UsageError';
}

function port(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > 65535) throw new UsageError(`${flag}: expected a port 0–65535, got ${JSON.stringify(text)}`);
  return value;
}

export function parseHubArgs(argv: readonly string[]): HubCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string' },
        'http-port': { type: 'string' },
        'mqtt-port': { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === 'help') return { command: 'help' };
  if (command === 'check-config') {
    const file = rest[0] ?? values.config;
    if (!file || rest.length > 1) throw new UsageError('check-config needs exactly one FILE');
    return { command: 'check-config', configFile: file };
  }
  if (command === 'run') {
    if (rest.length > 0) throw new UsageError(`run: unexpected argument ${JSON.stringify(rest[0])}`);
    const overrides: HubConfigOverrides = {};
    const httpPort = port('--http-port', values['http-port']);
    const mqttPort = port('--mqtt-port', values['mqtt-port']);
    if (httpPort !== undefined) overrides.httpPort = httpPort;
    if (mqttPort !== undefined) overrides.mqttPort = mqttPort;
    if (values.host !== undefined) overrides.host = values.host;
    if (values.data !== undefined) overrides.dataDir = values.data;
    return values.config === undefined ? { command: 'run', overrides } : { command: 'run', configFile: values.config, overrides };
  }
  throw new UsageError(command === undefined ? 'missing command' : `unknown command ${JSON.stringify(command)}`);
}
