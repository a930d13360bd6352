import { UsageError, type CliCommand } from './cli-command.js';
import { table, time } from './format.js';
import { EXIT } from './hub-client.js';
import type { AlarmSummary } from './alarm-view.js';

const STATES = ['active', 'cleared', 'unacknowledged', 'acknowledged'];

export const alarmsCommand: CliCommand = {
  usage: 'alarms [--state active|cleared|unacknowledged|acknowledged] [--device ID] [--limit N]',
  summary: 'alarm records, newest first',
  options: { state: { type: 'string' }, device: { type: 'string' }, limit: { type: 'string' } },
  async run(context, args, values) {
    if (args.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args[0])}`);
    const query = new URLSearchParams();
    if (typeof values.state === 'string') {
      if (!STATES.includes(values.state)) throw new UsageError(`--state: one of ${STATES.join(', ')}`);
      query.set('state', values.state);
    }
    if (typeof values.device === 'string') query.set('device', values.device);
    if (typeof values.limit === 'string') query.set('limit', values.limit);
    const { alarms } = await context.hub.get<{ alarms: AlarmSummary[] }>(`/api/v1/alarms${query.size ? `?${query}` : ''}`);
    if (context.json) context.print(JSON.stringify({ alarms }, null, 2));
    else if (alarms.length === 0) context.print('no alarms');
    else {
      context.print(table(['ALARM', 'SEVERITY', 'STATE', 'DEVICE', 'NAME', 'LAST RAISED', 'MESSAGE'], alarms.map((a) => [
        String(a.id), a.severity, `${a.state}, ${a.acknowledged ? `acked by ${a.ackedBy ?? '?'}` : 'unacked'}`, a.device, a.alarm,
        `${time(a.lastRaised)}${a.raiseCount > 1 ? ` (${a.raiseCount}×)` : ''}`, a.message,
      ])));
    }
    return EXIT.ok;
  },
};
