import type { GatewayView } from '../fleet/fleet-schemas.js';
import { UsageError, type CliCommand } from './cli-command.js';
import { EXIT } from './hub-client.js';
import { parseLabelWords, printProvisioning } from './provisioning-instructions.js';

export const gatewaysCreateCommand: CliCommand = {
  usage: 'gateways create ID [--name NAME] [--label key=value …] [--location LAT,LON] [--expires 24h] [--tenant T]',
  summary: 'create a gateway and print the one command that provisions it (its token works once)',
  options: {
    name: { type: 'string' }, label: { type: 'string', multiple: true }, location: { type: 'string' }, expires: { type: 'string' }, tenant: { type: 'string' },
  },
  async run(context, args, values) {
    if (args.length !== 1) throw new UsageError('gateways create needs exactly one ID');
    const body: Record<string, unknown> = { id: args[0] };
    if (typeof values.name === 'string') body.name = values.name;
    if (Array.isArray(values.label)) {
      try {
        body.labels = parseLabelWords(values.label);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    }
    if (typeof values.location === 'string') {
      const [lat, lon, ...rest] = values.location.split(',').map(Number);
      if (rest.length > 0 || !Number.isFinite(lat) || !Number.isFinite(lon)) throw new UsageError(`--location: expected LAT,LON in degrees, got ${JSON.stringify(values.location)}`);
      body.location = { lat, lon };
    }
    if (typeof values.expires === 'string') body.expiresIn = values.expires;
    if (typeof values.tenant === 'string') body.tenant = values.tenant;
    const created = await context.hub.post<{ gateway: GatewayView; provisioning: { token: string; expires: number; hub: string } }>('/api/v1/gateways', body);
    if (context.json) context.print(JSON.stringify(created, null, 2));
    else {
      context.print(`gateway ${created.gateway.id} created`);
      printProvisioning(context, created.gateway.id, created.provisioning);
    }
    return EXIT.ok;
  },
};
