import { UsageError, type CliCommand } from './cli-command.js';
import { table, time } from './format.js';
import { EXIT } from './hub-client.js';

interface TenantView {
  id: string;
  name: string;
  created: number;
}

export const tenantsCommand: CliCommand = {
  usage: 'tenants [list]',
  summary: 'platform admin: every tenant',
  async run(context, args) {
    if (args.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args[0])}`);
    const { tenants } = await context.hub.get<{ tenants: TenantView[] }>('/api/v1/tenants');
    if (context.json) context.print(JSON.stringify({ tenants }, null, 2));
    else context.print(table(['TENANT', 'NAME', 'CREATED'], tenants.map((t) => [t.id, t.name, time(t.created)])));
    return EXIT.ok;
  },
};

export const tenantsCreateCommand: CliCommand = {
  usage: 'tenants create ID [--name NAME]',
  summary: 'platform admin: create a tenant (a department or customer); then its admin: tokens create NAME --role admin --tenant ID',
  options: { name: { type: 'string' } },
  async run(context, args, values) {
    if (args.length !== 1) throw new UsageError('tenants create needs exactly one ID');
    const tenant = await context.hub.post<TenantView>('/api/v1/tenants', { id: args[0], ...(typeof values.name === 'string' ? { name: values.name } : {}) });
    if (context.json) context.print(JSON.stringify(tenant, null, 2));
    else context.print(`tenant ${tenant.id} created`);
    return EXIT.ok;
  },
};
