#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ValidationError, formatProblem } from '@afferent/device-profiles';
import { startAgent } from './agent.js';
import { BROWSE_USAGE, OPCUA_TRUST_USAGE } from './commands/usage.js';
import { SCAN_MODBUS_USAGE, scanModbusCommand } from './commands/scan-modbus.js';
import { loadAgentConfig, type AgentConfig } from './config/agent-config.js';
import { PROVISION_USAGE, provisionCommand } from './provision/provision-command.js';
import { loadAppliedConfig } from './remote-config/applied-config-store.js';

const USAGE = `usage:
  edge-agent run --config FILE     poll the devices and forward to the hub (SIGHUP: apply the file's devices again)
  edge-agent check-config FILE     check a configuration and list every problem
${PROVISION_USAGE}${SCAN_MODBUS_USAGE}`;

/** Load a config, or print every problem and return undefined. */
function load(path: string): AgentConfig | undefined {
  try {
    return loadAgentConfig(path);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    for (const problem of error.problems) process.stderr.write(`${formatProblem(problem)}\n`);
    process.stderr.write(`${path}: ${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}\n`);
    return undefined;
  }
}

function checkConfig(path: string): number {
  const config = load(path);
  if (!config) return 1;
  const enabled = config.devices.filter((d) => d.enabled !== false);
  const byProfile = new Map<string, number>();
  for (const device of enabled) byProfile.set(device.profile, (byProfile.get(device.profile) ?? 0) + 1);
  const profiles = [...byProfile].map(([name, n]) => (n > 1 ? `${name} ×${n}` : name)).join(', ');
  process.stdout.write(
    `${path}: ok: gateway ${config.gatewayId}, ${enabled.length} device${enabled.length === 1 ? '' : 's'}${profiles ? ` (${profiles})` : ''}, ` +
      `hub ${config.hub.url}, data in ${config.dataDir}\n`,
  );
  const pushed = loadAppliedConfig(config.dataDir).config;
  if (pushed) process.stdout.write(`the hub's config v${pushed.version} (${pushed.devices.length} devices) is in force: the file's devices are not used\n`);
  return 0;
}

async function run(path: string): Promise<number> {
  const config = load(path);
  if (!config) return 1;
  const agent = await startAgent(config, { processMetrics: true });
  process.stdout.write(`afferent agent ready: gateway ${config.gatewayId}, ${agent.devices} device${agent.devices === 1 ? '' : 's'}, status ${agent.statusUrl}\n`);
  // SIGHUP: read the file again and apply its devices without a restart; a file with problems changes nothing.
  process.on('SIGHUP', () => {
    const next = load(path);
    if (next) agent.reload(next).catch((error: unknown) => process.stderr.write(`reload failed: ${(error as Error).message}\n`));
  });
  await new Promise<void>((resolve) => {
    const shutdown = () => {
      // A second signal while stopping means "now".
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve();
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
  await agent.stop();
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'check-config' && rest.length === 1 && !rest[0]!.startsWith('-')) return checkConfig(rest[0]!);
  if (command === 'run') {
    const { values } = parseArgs({ args: rest, options: { config: { type: 'string', short: 'c' } }, strict: true });
    if (values.config) return run(values.config);
  }
  if (command === 'provision') return provisionCommand(rest, process.stdout, process.stderr);
  if (command === 'scan' && rest[0] === 'modbus') return scanModbusCommand(rest.slice(1));
  // Loaded on demand: they load node-opcua, which `run` and `check-config` of a gateway without OPC UA devices need not pay for.
  if (command === 'browse' && rest[0] === 'opcua') return (await import('./commands/browse-opcua.js')).browseOpcua(rest.slice(1), process.stdout, process.stderr);
  if (command === 'opcua-trust') return (await import('./commands/opcua-trust.js')).opcuaTrust(rest, process.stdout, process.stderr);
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  process.stderr.write(USAGE);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`edge-agent: ${(error as Error)?.message ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
