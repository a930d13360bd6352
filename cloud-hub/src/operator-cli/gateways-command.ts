import type { GatewayView } from '../fleet/fleet-schemas.js';
import { UsageError, type CliCommand } from './cli-command.js';
import { configState, deviceSummary, presence } from './fleet-format.js';
import { age, labels, table } from './format.js';
import { EXIT } from './hub-client.js';

export const gatewaysCommand: CliCommand = {
  usage: 'gateways [list] [--label key:value[,key:value]]',
  summary: 'list gateways: state, when last heard of, agent version, devices, config version',
  options: { label: { type: 'string' } },
  async run(context, args, values) {
    if (args.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args[0])}`);
    const query = typeof values.label === 'string' ? `?label=${encodeURIComponent(values.label)}` : '';
    const { gateways } = await context.hub.get<{ gateways: GatewayView[] }>(`/api/v1/gateways${query}`);
    if (context.json) context.print(JSON.stringify({ gateways }, null, 2));
    else if (gateways.length === 0) context.print('no gateways');
    else {
      context.print(table(['GATEWAY', 'NAME', 'STATE', 'LAST SEEN', 'VERSION', 'DEVICES', 'CONFIG', 'LABELS'], gateways.map((g) => [
        g.id, g.name, presence(g), age(g.lastSeen), g.version ?? '-', deviceSummary(g.devices), configState(g), labels(g.labels),
      ])));
    }
    return EXIT.ok;
  },
};
