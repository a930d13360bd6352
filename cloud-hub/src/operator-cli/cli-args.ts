import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ackCommand } from './ack-command.js';
import { alarmsCommand } from './alarms-command.js';
import { UsageError, type CliCommand, type CliValues } from './cli-command.js';
import { commandsCommand } from './commands-command.js';
import { deviceCommand } from './device-command.js';
import { devicesCommand } from './devices-command.js';
import { writeCommand } from './write-command.js';

/** Every command of `afferent`, in the order the usage lists them. */
export const COMMANDS: Record<string, CliCommand> = {
  devices: devicesCommand,
  device: deviceCommand,
  write: writeCommand,
  commands: commandsCommand,
  alarms: alarmsCommand,
  ack: ackCommand,
};

const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export const OPERATOR_USAGE = `usage: afferent [--url URL] [--token TOKEN] [--json] COMMAND …

${Object.values(COMMANDS).map((c) => `  afferent ${c.usage}\n      ${c.summary}`).join('\n')}

  --url URL      the hub's API (default: $AFFERENT_URL, else ${DEFAULT_URL})
  --token TOKEN  an API token (default: $AFFERENT_TOKEN); write and ack need the operator role
  --json         print the API's JSON, for scripts

exit codes: 0 done, 1 the command did not succeed (failed, rejected, expired, timed out),
2 usage, 3 the hub refused the request, 4 the hub cannot be reached`;

export type OperatorInvocation =
  | { help: true }
  | { help: false; command: CliCommand; args: string[]; values: CliValues; url: string; token: string; json: boolean };

/** The command line and environment → what to run. Throws UsageError. */
export function parseOperatorArgs(argv: readonly string[], env: NodeJS.ProcessEnv): OperatorInvocation {
  // First find the command (options may come before it), then parse strictly with its own options.
  const loose = parseArgs({ args: [...argv], options: GLOBAL_OPTIONS, allowPositionals: true, strict: false });
  const name = loose.positionals[0];
  if (loose.values.help === true || name === undefined || name === 'help') return { help: true };
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}; commands: ${Object.keys(COMMANDS).join(', ')}`);
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nusage: afferent ${command.usage}`);
  }
  const values = parsed.values as CliValues;
  const token = (values.token as string | undefined) ?? env.AFFERENT_TOKEN;
  if (!token) throw new UsageError('no API token: pass --token or set AFFERENT_TOKEN');
  const url = ((values.url as string | undefined) ?? env.AFFERENT_URL ?? DEFAULT_URL).replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw new UsageError(`--url: expected the hub's API address, such as ${DEFAULT_URL}, got ${JSON.stringify(url)}`);
  return { help: false, command, args: parsed.positionals.slice(1), values, url, token, json: values.json === true };
}
