import type { DeviceView } from '../api/api-schemas.js';
import { UsageError, type CliCommand } from './cli-command.js';
import { age, table } from './format.js';
import { EXIT } from './hub-client.js';

export const devicesCommand: CliCommand = {
  usage: 'devices [--gateway GW]',
  summary: 'list devices: gateway, profile, when last heard of',
  options: { gateway: { type: 'string' } },
  async run(context, args, values) {
    if (args.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args[0])}`);
    const query = typeof values.gateway === 'string' ? `?gateway=${encodeURIComponent(values.gateway)}` : '';
    const { devices } = await context.hub.get<{ devices: DeviceView[] }>(`/api/v1/devices${query}`);
    if (context.json) context.print(JSON.stringify({ devices }, null, 2));
    else if (devices.length === 0) context.print('no devices');
    else {
      context.print(table(['DEVICE', 'GATEWAY', 'PROFILE', 'PROTOCOL', 'LAST SEEN', 'POINTS'], devices.map((d) => [
        d.id, d.gateway, d.profileKnown ? `${d.profile} v${d.profileVersion}` : `${d.profile} (unknown to the hub)`,
        d.protocol ?? '-', age(d.lastSeen), String(Object.keys(d.latest).length),
      ])));
    }
    return EXIT.ok;
  },
};
