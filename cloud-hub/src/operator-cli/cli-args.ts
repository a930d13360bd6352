import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ackCommand } from './ack-command.js';
import { auditCommand } from './audit-command.js';
import { alarmsCommand } from './alarms-command.js';
import { UsageError, type CliCommand, type CliValues } from './cli-command.js';
import { commandsCommand } from './commands-command.js';
import { configGetCommand } from './config-get-command.js';
import { configPushCommand } from './config-push-command.js';
import { fleetCommand } from './fleet-command.js';
import { gatewayCommand } from './gateway-command.js';
import { gatewaysCommand } from './gateways-command.js';
import { gatewaysCreateCommand } from './gateways-create-command.js';
import { gatewaysRotateCommand } from './gateways-rotate-command.js';
import { gatewaysDisableCommand, gatewaysEnableCommand } from './gateways-switch-command.js';
import { deviceCommand } from './device-command.js';
import { devicesCommand } from './devices-command.js';
import { tenantsCommand, tenantsCreateCommand } from './tenants-command.js';
import { tokensCommand } from './tokens-command.js';
import { tokensCreateCommand } from './tokens-create-command.js';
import { tokensRevokeCommand } from './tokens-revoke-command.js';
import { writeCommand } from './write-command.js';

/** Every command of `afferent`, in the order the usage lists them; two-word names are subcommands. */
export const COMMANDS: Record<string, CliCommand> = {
  devices: devicesCommand,
  device: deviceCommand,
  write: writeCommand,
  commands: commandsCommand,
  alarms: alarmsCommand,
  ack: ackCommand,
  fleet: fleetCommand,
  gateways: gatewaysCommand,
  'gateways list': gatewaysCommand,
  gateway: gatewayCommand,
  'gateways create': gatewaysCreateCommand,
  'gateways disable': gatewaysDisableCommand,
  'gateways enable': gatewaysEnableCommand,
  'gateways rotate': gatewaysRotateCommand,
  'config get': configGetCommand,
  'config push': configPushCommand,
  tokens: tokensCommand,
  'tokens list': tokensCommand,
  'tokens create': tokensCreateCommand,
  'tokens revoke': tokensRevokeCommand,
  tenants: tenantsCommand,
  'tenants list': tenantsCommand,
  'tenants create': tenantsCreateCommand,
  audit: auditCommand,
};

const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  ca: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export const OPERATOR_USAGE = `usage: afferent [--url URL] [--token TOKEN] [--json] COMMAND …

${[...new Set(Object.values(COMMANDS))].map((c) => `  afferent ${c.usage}\n      ${c.summary}`).join('\n')}

  --url URL      the hub's API (default: $AFFERENT_URL, else ${DEFAULT_URL})
  --token TOKEN  an API token (default: $AFFERENT_TOKEN); write and ack need the operator role,
                 gateways create|disable|enable|rotate, config push, tokens and audit the admin role,
                 tenants a platform admin token (one of no tenant, such as AFFERENT_ADMIN_TOKEN)
  --ca FILE      the CA certificate an https:// hub is verified with (default: $AFFERENT_CA, else the system's CAs)
  --json         print the API's JSON, for scripts

exit codes: 0 done, 1 the command did not succeed (failed, rejected, expired, timed out),
2 usage, 3 the hub refused the request (also 429: too many requests for this token), 4 the hub cannot be reached`;

export type OperatorInvocation =
  | { help: true }
  | { help: false; command: CliCommand; args: string[]; values: CliValues; url: string; token: string; ca?: string; json: boolean };

/** The command line and environment → what to run. Throws UsageError. */
export function parseOperatorArgs(argv: readonly string[], env: NodeJS.ProcessEnv): OperatorInvocation {
  // First find the command (options may come before it), then parse strictly with its own options.
  const loose = parseArgs({ args: [...argv], options: GLOBAL_OPTIONS, allowPositionals: true, strict: false });
  const [first, second] = loose.positionals;
  if (loose.values.help === true || first === undefined || first === 'help') return { help: true };
  // Two-word commands (`gateways create`) before one-word ones (`gateways`).
  const name = second !== undefined && COMMANDS[`${first} ${second}`] ? `${first} ${second}` : first;
  const command = COMMANDS[name];
  const subcommands = Object.keys(COMMANDS).filter((c) => c.startsWith(`${first} `)).map((c) => c.split(' ')[1]);
  if (!command && subcommands.length > 0) throw new UsageError(`${first} needs one of: ${subcommands.join(', ')}`);
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(first)}; commands: ${[...new Set(Object.keys(COMMANDS).map((c) => c.split(' ')[0]))].join(', ')}`);
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
  const ca = (values.ca as string | undefined) ?? env.AFFERENT_CA;
  return {
    help: false, command, args: parsed.positionals.slice(name.split(' ').length), values, url, token, json: values.json === true,
    ...(ca ? { ca } : {}),
  };
}
