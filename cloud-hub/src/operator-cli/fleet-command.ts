import type { GatewayView } from '../fleet/fleet-schemas.js';
import { UsageError, type CliCommand } from './cli-command.js';
import { backlog, configState, deviceSummary, presence } from './fleet-format.js';
import { age, table } from './format.js';
import { EXIT } from './hub-client.js';

export const fleetCommand: CliCommand = {
  usage: 'fleet [--label key:value[,key:value]]',
  summary: 'the fleet at a glance: every gateway\'s state, backlog, devices and config, then the devices that are not well',
  options: { label: { type: 'string' } },
  async run(context, args, values) {
    if (args.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args[0])}`);
    const query = typeof values.label === 'string' ? `?label=${encodeURIComponent(values.label)}` : '';
    const { gateways } = await context.hub.get<{ gateways: GatewayView[] }>(`/api/v1/gateways${query}`);
    if (context.json) {
      context.print(JSON.stringify({ gateways }, null, 2));
      return EXIT.ok;
    }
    if (gateways.length === 0) {
      context.print('no gateways');
      return EXIT.ok;
    }
    context.print(table(['GATEWAY', 'STATE', 'LAST SEEN', 'AGENT', 'DEVICES', 'ERRORS/MIN', 'BACKLOG', 'CONFIG'], gateways.map((g) => [
      g.id, presence(g), age(g.lastSeen), g.version ?? '-', deviceSummary(g.devices),
      String(Object.values(g.devices).reduce((sum, d) => sum + (d.errorsLastMinute ?? 0), 0)), backlog(g), configState(g),
    ])));
    const unwell = gateways.flatMap((g) => Object.entries(g.devices)
      .filter(([, h]) => !h.reachable || (h.errorsLastMinute ?? 0) > 0)
      .map(([id, h]) => [g.id, id, h.reachable ? 'reachable' : 'unreachable', age(h.lastRead), String(h.errorsLastMinute ?? '-'), h.lastError ?? '']));
    if (unwell.length > 0) {
      context.print('');
      context.print(table(['GATEWAY', 'DEVICE', 'STATE', 'LAST READ', 'ERRORS/MIN', 'LAST ERROR'], unwell));
    }
    return EXIT.ok;
  },
};
