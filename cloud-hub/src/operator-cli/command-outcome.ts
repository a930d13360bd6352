import type { CommandRecord, CommandStatus } from '../commands/command-record.js';
import type { CliContext } from './cli-command.js';
import { time, value } from './format.js';
import { EXIT } from './hub-client.js';

/** How long to keep asking after a command's expiry: the hub settles every command by then (its result timeout is 30 s by default). */
const WAIT_PAST_EXPIRY_MS = 120_000;
const POLL_MS = { first: 25, max: 500 } as const;
/** Say what the command waits for only when it takes longer than this: most are done sooner. */
const QUIET_MS = 500;

const DONE: readonly CommandStatus[] = ['succeeded', 'failed', 'rejected', 'expired', 'timed-out', 'cancelled'];

/** Follow a command until it is settled, telling the operator what it waits for. */
export async function waitForOutcome(context: CliContext, submitted: CommandRecord): Promise<CommandRecord> {
  let record = submitted;
  let said: CommandStatus | undefined;
  let delay: number = POLL_MS.first;
  const giveUpAt = submitted.expires + WAIT_PAST_EXPIRY_MS;
  const started = Date.now();
  while (!DONE.includes(record.status)) {
    if (record.status !== said && Date.now() - started >= QUIET_MS) {
      said = record.status;
      context.progress(progressLine(record));
    }
    if (Date.now() > giveUpAt) return record;
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, POLL_MS.max);
    record = await context.hub.get<CommandRecord>(`/api/v1/commands/${encodeURIComponent(record.id)}`);
  }
  return record;
}

function progressLine(record: CommandRecord): string {
  switch (record.status) {
    case 'queued': return `command ${record.id}: queued, gateway ${record.gateway} is not connected; it may be delivered until ${time(record.expires)}`;
    case 'sent': return `command ${record.id}: sent to gateway ${record.gateway}, waiting for it`;
    default: return `command ${record.id}: ${record.status}, waiting for the outcome`;
  }
}

/** Print the outcome for people (or the record as JSON) and return the exit code. */
export function reportOutcome(context: CliContext, record: CommandRecord, units: ReadonlyMap<string, string | undefined>): number {
  const done = record.status === 'succeeded';
  if (context.json) {
    context.print(JSON.stringify(record, null, 2));
    return done ? EXIT.ok : EXIT.notDone;
  }
  if (!DONE.includes(record.status)) {
    context.print(`${record.device}: still ${record.status} at ${time(Date.now())}; see afferent commands --device ${record.device} (command ${record.id})`);
    return EXIT.notDone;
  }
  const took = record.updated - record.created;
  const code = record.errorCode === undefined ? '' : ` [device code ${record.errorCode}]`;
  context.print(done
    ? `${record.device}: done in ${took} ms${record.readback ? ', read back' : ''} (command ${record.id})`
    : `${record.device}: ${record.status}: ${record.error ?? 'no reason given'}${code} (command ${record.id})`);
  for (const [point, written] of Object.entries(record.write)) {
    const read = record.readbackValues?.[point];
    context.print(`  ${point} = ${value(written, units.get(point))}${read === undefined ? '' : `  (read back ${value(read, units.get(point))})`}`);
  }
  return done ? EXIT.ok : EXIT.notDone;
}
