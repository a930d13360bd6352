import type { GatewayView } from '../fleet/fleet-schemas.js';
import { UsageError, type CliCommand } from './cli-command.js';
import { backlog, configState, presence } from './fleet-format.js';
import { age, labels, table } from './format.js';
import { EXIT } from './hub-client.js';

export const gatewayCommand: CliCommand = {
  usage: 'gateway ID',
  summary: 'one gateway: state, backlog, config, and the health of each of its devices',
  async run(context, args) {
    if (args.length !== 1) throw new UsageError('gateway needs exactly one ID');
    const g = await context.hub.get<GatewayView>(`/api/v1/gateways/${encodeURIComponent(args[0]!)}`);
    if (context.json) {
      context.print(JSON.stringify(g, null, 2));
      return EXIT.ok;
    }
    context.print(`${g.id}${g.name !== g.id ? ` (${g.name})` : ''}: ${presence(g)}, last seen ${age(g.lastSeen)}, agent ${g.version ?? 'unknown'}`);
    if (Object.keys(g.labels).length > 0) context.print(`labels:   ${labels(g.labels)}`);
    if (g.location) context.print(`location: ${g.location.lat}, ${g.location.lon}`);
    context.print(`backlog:  ${backlog(g)}`);
    context.print(`config:   ${configState(g)}${g.config.error ? `: ${g.config.error}` : ''}`);
    const devices = Object.entries(g.devices);
    if (devices.length > 0) {
      context.print(table(['DEVICE', 'REACHABLE', 'LAST READ', 'ERRORS', 'LAST MINUTE', 'LAST ERROR'], devices.map(([id, h]) => [
        id, h.reachable ? 'yes' : 'no', age(h.lastRead), String(h.readErrors), h.errorsLastMinute === undefined ? '-' : String(h.errorsLastMinute), h.lastError ?? '',
      ])));
    }
    return EXIT.ok;
  },
};
