import type { Static } from 'typebox';
import type { AuditEntrySchema } from '../audit/audit-routes.js';
import { UsageError, type CliCommand } from './cli-command.js';
import { table, time } from './format.js';
import { EXIT } from './hub-client.js';

type AuditEntry = Static<typeof AuditEntrySchema>;

export const auditCommand: CliCommand = {
  usage: 'audit [--action A] [--from TIME] [--to TIME] [--limit N] [--tenant T]',
  summary: 'admin: who did what, when, to what, and the outcome (newest first; a tenant admin sees its tenant\'s)',
  options: { action: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, limit: { type: 'string' }, tenant: { type: 'string' } },
  async run(context, args, values) {
    if (args.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args[0])}`);
    const query = new URLSearchParams();
    for (const name of ['action', 'from', 'to', 'limit', 'tenant'] as const) {
      const value = values[name];
      if (typeof value === 'string') query.set(name, value);
    }
    const { entries } = await context.hub.get<{ entries: AuditEntry[] }>(`/api/v1/audit${query.size ? `?${query}` : ''}`);
    if (context.json) context.print(JSON.stringify({ entries }, null, 2));
    else if (entries.length === 0) context.print('no entries');
    else {
      context.print(table(['TIME', 'BY', 'TENANT', 'ACTION', 'TARGET', 'OUTCOME', 'DETAILS'], entries.map((e) => [
        time(e.t), e.actor.name, e.tenant ?? 'platform', e.action, e.target ?? '-', e.outcome, e.details ? JSON.stringify(e.details) : '',
      ])));
    }
    return EXIT.ok;
  },
};
