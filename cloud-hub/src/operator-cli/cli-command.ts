import type { ParseArgsConfig } from 'node:util';
import type { HubClient } from './hub-client.js';

/** What every command gets: the hub, the output mode, and where to write. */
export interface CliContext {
  hub: HubClient;
  /** --json: the API's JSON on stdout, for scripts. */
  json: boolean;
  /** A result line (stdout). */
  print(text: string): void;
  /** Progress for people while waiting (stderr; silent with --json). */
  progress(text: string): void;
}

export type CliValues = Record<string, string | string[] | boolean | undefined>;

/** One `afferent` command: one file each. */
export interface CliCommand {
  /** e.g. "write ID point=value … [--no-readback] [--expires 30s]" */
  usage: string;
  summary: string;
  options?: NonNullable<ParseArgsConfig['options']>;
  /** Returns the exit code; throws CliError for what the hub refused or could not do. */
  run(context: CliContext, args: string[], values: CliValues): Promise<number>;
}

/** A command line this command cannot run. */
export class UsageError extends Error {
  override name = 'UsageError';
}
