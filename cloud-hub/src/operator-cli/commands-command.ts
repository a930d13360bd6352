import type { CommandRecord } from '../commands/command-record.js';
import { COMMAND_STATUSES, type CommandStatus } from '../commands/command-status.js';
import { UsageError, type CliCommand } from './cli-command.js';
import { table, time, writes } from './format.js';
import { EXIT } from './hub-client.js';

export const commandsCommand: CliCommand = {
  usage: 'commands [--device ID] [--status STATUS] [--limit N]',
  summary: 'the command ledger, newest first: who asked what, when, and what came of it',
  options: { device: { type: 'string' }, status: { type: 'string' }, limit: { type: 'string' } },
  async run(context, args, values) {
    if (args.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args[0])}`);
    const query = new URLSearchParams();
    if (typeof values.device === 'string') query.set('device', values.device);
    if (typeof values.status === 'string') {
      if (!COMMAND_STATUSES.includes(values.status as CommandStatus)) throw new UsageError(`--status: one of ${COMMAND_STATUSES.join(', ')}`);
      query.set('status', values.status);
    }
    if (typeof values.limit === 'string') query.set('limit', values.limit);
    const { commands } = await context.hub.get<{ commands: CommandRecord[] }>(`/api/v1/commands${query.size ? `?${query}` : ''}`);
    if (context.json) context.print(JSON.stringify({ commands }, null, 2));
    else if (commands.length === 0) context.print('no commands');
    else {
      context.print(table(['CREATED', 'COMMAND', 'DEVICE', 'STATUS', 'BY', 'WRITE', 'WHY'], commands.map((c) => [
        time(c.created), c.id, c.device, c.status, c.createdBy, writes(c.write), c.error ?? '',
      ])));
    }
    return EXIT.ok;
  },
};
