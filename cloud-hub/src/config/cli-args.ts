import { parseArgs } from 'node:util';
import type { HubConfigOverrides } from './hub-config.js';

/** The `cloud-hub` command line, parsed; no side effects so it is easy to test. */
export type HubCommand =
  | { command: 'run'; configFile?: string; overrides: HubConfigOverrides }
  | { command: 'check-config'; configFile: string }
  | { command: 'certs-generate'; out: string; hosts: string[]; days?: number }
  | { command: 'help' };

export const USAGE = `usage:
  cloud-hub run [--config FILE] [--http-port N] [--mqtt-port N] [--mqtts-port N] [--host H] [--data DIR]
  cloud-hub check-config FILE
  cloud-hub certs generate --out DIR --host NAME [--host NAME …] [--days N]

  --config FILE    hub configuration (YAML); every field is optional
  --http-port N    HTTP API port (default 8080; 0: any free port); HTTPS when the config has tls
  --mqtt-port N    plain MQTT port (default 1883; 0: any free port); off by default when the config has tls
  --mqtts-port N   MQTT over TLS port (default 8883; 0: any free port); needs tls in the config
  --host H         address the listeners bind to (default 0.0.0.0)
  --data DIR       data folder (default .afferent/hub)

  certs generate writes a private CA (ca.crt, ca.key) and a server certificate
  signed by it (server.crt, server.key) for the given host names and IP
  addresses into DIR, and prints the CA's SHA-256 fingerprint; --days is the
  server certificate's lifetime (default 825).

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
        'mqtts-port': { type: 'string' },
        host: { type: 'string', multiple: true },
        out: { type: 'string' },
        days: { type: 'string' },
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
  if (command === 'certs') {
    if (rest[0] !== 'generate' || rest.length > 1) throw new UsageError('certs: the one subcommand is generate');
    if (!values.out) throw new UsageError('certs generate needs --out DIR');
    if (!values.host?.length) throw new UsageError('certs generate needs at least one --host NAME (a host name or IP address gateways use)');
    const days = values.days === undefined ? undefined : Number(values.days);
    if (days !== undefined && !(Number.isInteger(days) && days > 0)) throw new UsageError(`--days: expected a whole number of days, got ${JSON.stringify(values.days)}`);
    const hosts = values.host.flatMap((h) => h.split(',')).map((h) => h.trim()).filter(Boolean);
    return { command: 'certs-generate', out: values.out, hosts, ...(days !== undefined ? { days } : {}) };
  }
  if (command === 'run') {
    if (rest.length > 0) throw new UsageError(`run: unexpected argument ${JSON.stringify(rest[0])}`);
    if ((values.host?.length ?? 0) > 1) throw new UsageError('run: --host names one bind address');
    const overrides: HubConfigOverrides = {};
    const httpPort = port('--http-port', values['http-port']);
    const mqttPort = port('--mqtt-port', values['mqtt-port']);
    const mqttTlsPort = port('--mqtts-port', values['mqtts-port']);
    if (httpPort !== undefined) overrides.httpPort = httpPort;
    if (mqttPort !== undefined) overrides.mqttPort = mqttPort;
    if (mqttTlsPort !== undefined) overrides.mqttTlsPort = mqttTlsPort;
    if (values.host?.[0] !== undefined) overrides.host = values.host[0];
    if (values.data !== undefined) overrides.dataDir = values.data;
    return values.config === undefined ? { command: 'run', overrides } : { command: 'run', configFile: values.config, overrides };
  }
  throw new UsageError(command === undefined ? 'missing command' : `unknown command ${JSON.stringify(command)}`);
}
