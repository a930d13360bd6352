import { UsageError, type CliCommand } from './cli-command.js';
import { EXIT } from './hub-client.js';
import type { AlarmSummary } from './alarm-view.js';

export const ackCommand: CliCommand = {
  usage: 'ack ALARM_ID [--comment TEXT]',
  summary: 'acknowledge an alarm (the comment is kept in its history)',
  options: { comment: { type: 'string' } },
  async run(context, args, values) {
    if (args.length !== 1 || !/^\d+$/.test(args[0]!)) throw new UsageError('ack needs one ALARM_ID (a number, see afferent alarms)');
    const body = typeof values.comment === 'string' ? { comment: values.comment } : {};
    const alarm = await context.hub.post<AlarmSummary>(`/api/v1/alarms/${args[0]}/ack`, body);
    context.print(context.json ? JSON.stringify(alarm, null, 2) : `alarm ${alarm.id} (${alarm.alarm} on ${alarm.device}) acknowledged by ${alarm.ackedBy ?? 'you'}`);
    return EXIT.ok;
  },
};
