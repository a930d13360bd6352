#!/usr/bin/env node
import { resolve } from 'node:path';
import { formatProblem, ValidationError } from '@afferent/device-profiles';
import { parseHubArgs, USAGE, UsageError, type HubCommand } from './config/cli-args.js';
import { checkHubConfigFile } from './config/check-config.js';
import { loadHubConfigFile, resolveHubConfig, type HubConfig } from './config/hub-config.js';
import { startHub } from './hub.js';

/**
 * `cloud-hub run`, `cloud-hub check-config` and `cloud-hub certs generate`. The ready line and the
 * one-time admin token are plain text on stdout (the log is JSON lines on the
 * same stream), so scripts and tests can wait for `afferent hub ready:`.
 */

const STOP_TIMEOUT_MS = 10_000;

function configFor(command: Extract<HubCommand, { command: 'run' }>): HubConfig {
  return command.configFile === undefined
    ? resolveHubConfig({}, command.overrides)
    : loadHubConfigFile(command.configFile, command.overrides);
}

async function run(command: Extract<HubCommand, { command: 'run' }>): Promise<void> {
  const hub = await startHub(configFor(command));
  hub.metrics.collectProcessMetrics();
  if (hub.generatedAdminToken) {
    // Deliberately not through the logger: shown once, on the operator's terminal, never in log storage.
    process.stdout.write(`admin token: ${hub.generatedAdminToken}\n`);
    process.stderr.write('(this admin token is shown only now; the hub keeps only its hash)\n');
  }
  // The gateways' endpoint first (TLS when there is TLS): scripts read the first url after "mqtt".
  const mqttUrls = [hub.mqttUrl, ...Object.values(hub.mqttUrls).filter((url) => url !== hub.mqttUrl)];
  process.stdout.write(`afferent hub ready: api ${hub.apiUrl} mqtt ${mqttUrls.join(' ')}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting without a clean stop\n`);
      process.exit(1);
    }
    stopping = true;
    setTimeout(() => {
      process.stderr.write(`the hub did not stop within ${STOP_TIMEOUT_MS} ms: exiting\n`);
      process.exit(1);
    }, STOP_TIMEOUT_MS).unref();
    hub.stop().then(() => process.exit(0), (error: unknown) => {
      process.stderr.write(`error while stopping: ${(error as Error).message}\n`);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function certsGenerate(command: Extract<HubCommand, { command: 'certs-generate' }>): Promise<number> {
  // Loaded here only: the certificate library is not needed to run a hub.
  const { generateCertificates } = await import('./access/tls/certificate-generator.js');
  const { writeCertificates } = await import('./access/tls/write-certificates.js');
  const generated = await generateCertificates({ hosts: command.hosts, ...(command.days !== undefined ? { days: command.days } : {}) });
  const paths = writeCertificates(resolve(command.out), generated);
  process.stdout.write(`wrote ${paths.caCert}, ${paths.caKey}, ${paths.serverCert} and ${paths.serverKey} for ${command.hosts.join(', ')}
CA fingerprint (SHA-256): ${generated.caFingerprint}
hub config:
  tls: { cert: ${paths.serverCert}, key: ${paths.serverKey}, ca: ${paths.caCert} }
`);
  return 0;
}

function checkConfig(file: string): number {
  const problems = checkHubConfigFile(resolve(file), file);
  if (problems.length === 0) {
    process.stdout.write('ok\n');
    return 0;
  }
  for (const problem of problems) process.stderr.write(`${formatProblem(problem)}\n`);
  return 1;
}

async function main(argv: readonly string[]): Promise<number | undefined> {
  let command: HubCommand;
  try {
    command = parseHubArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`cloud-hub: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (command.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command.command === 'check-config') return checkConfig(command.configFile);
  if (command.command === 'certs-generate') return certsGenerate(command);
  try {
    await run(command);
    return undefined;
  } catch (error) {
    if (error instanceof ValidationError) {
      for (const problem of error.problems) process.stderr.write(`${formatProblem(problem)}\n`);
    } else {
      process.stderr.write(`cloud-hub: could not start: ${(error as Error).message}\n`);
    }
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  if (code !== undefined) process.exitCode = code;
}, (error: unknown) => {
  process.stderr.write(`cloud-hub: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
