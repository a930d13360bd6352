import { UsageError, type CliCommand } from './cli-command.js';
import { EXIT } from './hub-client.js';
import { expiry, tenantOf, type TokenView } from './token-view.js';

const ROLES = ['viewer', 'operator', 'admin'];

export const tokensCreateCommand: CliCommand = {
  usage: 'tokens create NAME --role viewer|operator|admin [--tenant T | --platform] [--expires 30d]',
  summary: 'admin: create an API token and print it (the only time it is shown); a tenant admin\'s tokens are in its tenant',
  options: { role: { type: 'string' }, tenant: { type: 'string' }, platform: { type: 'boolean' }, expires: { type: 'string' } },
  async run(context, args, values) {
    if (args.length !== 1) throw new UsageError('tokens create needs exactly one NAME');
    if (typeof values.role !== 'string' || !ROLES.includes(values.role)) throw new UsageError(`--role: one of ${ROLES.join(', ')}`);
    if (values.platform === true && typeof values.tenant === 'string') throw new UsageError('--tenant and --platform: give one');
    const body: Record<string, unknown> = { name: args[0], role: values.role };
    if (typeof values.tenant === 'string') body.tenant = values.tenant;
    if (values.platform === true) body.tenant = null;
    if (typeof values.expires === 'string') body.expiresIn = values.expires;
    const created = await context.hub.post<TokenView & { token: string }>('/api/v1/tokens', body);
    if (context.json) context.print(JSON.stringify(created, null, 2));
    else {
      context.print(`token ${created.id} "${created.name}": ${created.role}, ${tenantOf(created)}, expires ${expiry(created)}`);
      context.print('shown only now, the hub keeps only its hash:');
      context.print(`  ${created.token}`);
    }
    return EXIT.ok;
  },
};
