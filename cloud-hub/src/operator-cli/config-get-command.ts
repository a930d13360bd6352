import { stringify } from 'yaml';
import { UsageError, type CliCommand } from './cli-command.js';
import { time } from './format.js';
import { EXIT } from './hub-client.js';
import type { GatewayConfigView } from './config-view.js';

export const configGetCommand: CliCommand = {
  usage: 'config get GW [> devices.yaml]',
  summary: 'a gateway\'s desired devices as YAML (as pushed: templates not expanded), and on stderr how far the gateway is with them',
  async run(context, args) {
    if (args.length !== 1) throw new UsageError('config get needs exactly one gateway ID');
    const view = await context.hub.get<GatewayConfigView>(`/api/v1/gateways/${encodeURIComponent(args[0]!)}/config`);
    if (context.json) {
      context.print(JSON.stringify(view, null, 2));
      return EXIT.ok;
    }
    const { desired, reported } = view;
    if (!desired) {
      context.progress(`${view.gateway}: no desired config; the gateway runs its local file${reported.applied ? ` (last applied v${reported.applied})` : ''}`);
      context.print(stringify({ devices: [] }).trimEnd());
      return EXIT.ok;
    }
    const drift = view.sync === 'in-sync' ? 'applied' : view.sync === 'rejected' ? `rejected: ${view.error ?? 'no reason given'}` : 'not applied yet';
    context.progress(`${view.gateway}: desired v${desired.version} (${desired.deviceCount} devices) by ${desired.createdBy} at ${time(desired.created)}; ${drift}`
      + `${view.sync !== 'in-sync' && reported.applied !== null ? `; the gateway runs v${reported.applied}` : ''}`);
    context.print(`# gateway ${view.gateway}, desired config v${desired.version}\n${stringify({ devices: desired.devices }).trimEnd()}`);
    return EXIT.ok;
  },
};
