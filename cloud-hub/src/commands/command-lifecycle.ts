import type { CommandResult } from '@afferent/device-profiles';
import type { CommandRecord, CommandStatus } from './command-record.js';

/**
 * The rules of a command's life:
 *
 *   queued → sent → delivered → succeeded | failed | rejected | expired   (the gateway's word)
 *   queued | sent → expired     (the hub: not delivered before `expires`; never sent after)
 *   delivered → timed-out        (the hub: no outcome by `expires` + the result timeout)
 *   queued → cancelled           (an operator, while the command has not left the hub)
 *
 * `expired` and `timed-out` decided by the hub are verdicts for lack of news.
 * When the gateway later reports what really happened to a command the hub
 * had sent (its link was down, or its clock runs behind), the report wins:
 * the record says what the device did, not what the hub guessed.
 */

export const OPEN_STATUSES = ['queued', 'sent', 'delivered'] as const satisfies readonly CommandStatus[];

export function isOpen(status: CommandStatus): boolean {
  return (OPEN_STATUSES as readonly CommandStatus[]).includes(status);
}

function settledByHubAfterSending(record: CommandRecord): boolean {
  const last = record.history.at(-1);
  const hubVerdict = last?.by === 'hub' && (record.status === 'expired' || record.status === 'timed-out');
  return hubVerdict && record.history.some((step) => step.status === 'sent');
}

/** Whether a gateway's report moves this command on (false: a duplicate, or too late to matter). */
export function acceptsReport(record: CommandRecord, reported: CommandResult['status']): boolean {
  if (reported === 'delivered') {
    return record.status === 'sent' || (record.status === 'expired' && settledByHubAfterSending(record));
  }
  return record.status === 'sent' || record.status === 'delivered' || settledByHubAfterSending(record);
}

/** The hub's own verdict on an open command at `now`, if it has one. */
export function hubVerdict(record: CommandRecord, now: number, resultTimeoutMs: number): { status: CommandStatus; error: string } | undefined {
  if ((record.status === 'queued' || record.status === 'sent') && now >= record.expires) {
    return { status: 'expired', error: `not delivered to gateway ${record.gateway} before it expired` };
  }
  if (record.status === 'delivered' && now >= record.expires + resultTimeoutMs) {
    return { status: 'timed-out', error: `delivered, but gateway ${record.gateway} sent no outcome within ${resultTimeoutMs} ms after expiry` };
  }
  return undefined;
}
