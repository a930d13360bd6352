import type { GatewayView } from '../fleet/fleet-schemas.js';
import { UsageError, type CliCommand } from './cli-command.js';
import { EXIT } from './hub-client.js';

/** `gateways disable ID` and `gateways enable ID`: one command, two directions. */
function gatewaysSwitchCommand(action: 'disable' | 'enable'): CliCommand {
  return {
    usage: `gateways ${action} ID`,
    summary: action === 'disable'
      ? 'cut a gateway\'s MQTT connection at once and refuse it until enabled'
      : 'let a disabled gateway connect again',
    async run(context, args) {
      if (args.length !== 1) throw new UsageError(`gateways ${action} needs exactly one ID`);
      const gateway = await context.hub.post<GatewayView>(`/api/v1/gateways/${encodeURIComponent(args[0]!)}/${action}`);
      if (context.json) context.print(JSON.stringify(gateway, null, 2));
      else context.print(`gateway ${gateway.id} ${action === 'disable' ? 'disabled: its connections are cut and refused' : 'enabled'}`);
      return EXIT.ok;
    },
  };
}

export const gatewaysDisableCommand = gatewaysSwitchCommand('disable');
export const gatewaysEnableCommand = gatewaysSwitchCommand('enable');
