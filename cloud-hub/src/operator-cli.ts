#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { UsageError } from './operator-cli/cli-command.js';
import { OPERATOR_USAGE, parseOperatorArgs } from './operator-cli/cli-args.js';
import { CliError, EXIT, HubClient } from './operator-cli/hub-client.js';

/**
 * `afferent`: the operator's command line over the hub's API. Results on
 * stdout (human text, or the API's JSON with --json), progress and errors on
 * stderr, and an exit code a script can act on.
 */
async function main(argv: readonly string[]): Promise<number> {
  let json = argv.includes('--json');
  try {
    const invocation = parseOperatorArgs(argv, process.env);
    if (invocation.help) {
      process.stdout.write(`${OPERATOR_USAGE}\n`);
      return EXIT.ok;
    }
    json = invocation.json;
    return await invocation.command.run({
      hub: new HubClient(invocation.url, invocation.token, invocation.ca ? { ca: readCa(invocation.ca) } : {}),
      json,
      print: (text) => process.stdout.write(`${text}\n`),
      progress: (text) => {
        if (!json) process.stderr.write(`${text}\n`);
      },
    }, invocation.args, invocation.values);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`afferent: ${error.message}\n`);
      return EXIT.usage;
    }
    if (!(error instanceof CliError)) throw error;
    process.stderr.write(json ? `${JSON.stringify({ error: { code: error.code ?? 'cli', message: error.message } })}\n` : `afferent: ${error.message}\n`);
    return error.exitCode;
  }
}

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--ca: cannot read ${path}: ${(error as Error).message}`);
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, (error: unknown) => {
  process.stderr.write(`afferent: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exitCode = 1;
});
