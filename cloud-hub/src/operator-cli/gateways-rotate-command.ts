import type { GatewayView } from '../fleet/fleet-schemas.js';
import { UsageError, type CliCommand } from './cli-command.js';
import { EXIT } from './hub-client.js';
import { printProvisioning } from './provisioning-instructions.js';

export const gatewaysRotateCommand: CliCommand = {
  usage: 'gateways rotate ID [--expires 24h]',
  summary: 'withdraw a gateway\'s MQTT password now (its connection is cut) and print the command that provisions it again',
  options: { expires: { type: 'string' } },
  async run(context, args, values) {
    if (args.length !== 1) throw new UsageError('gateways rotate needs exactly one ID');
    const query = typeof values.expires === 'string' ? `?expiresIn=${encodeURIComponent(values.expires)}` : '';
    const rotated = await context.hub.post<{ gateway: GatewayView; provisioning: { token: string; expires: number; hub: string } }>(
      `/api/v1/gateways/${encodeURIComponent(args[0]!)}/rotate${query}`,
    );
    if (context.json) context.print(JSON.stringify(rotated, null, 2));
    else {
      context.print(`gateway ${rotated.gateway.id}: password withdrawn, connections cut`);
      printProvisioning(context, rotated.gateway.id, rotated.provisioning);
    }
    return EXIT.ok;
  },
};
