import { UsageError, type CliCommand } from './cli-command.js';
import { age, table, time } from './format.js';
import { EXIT } from './hub-client.js';
import { expiry, state, tenantOf, type TokenView } from './token-view.js';

export const tokensCommand: CliCommand = {
  usage: 'tokens [list] [--tenant T]',
  summary: 'admin: API tokens (never the tokens themselves): role, tenant, created, expires, last used, revoked',
  options: { tenant: { type: 'string' } },
  async run(context, args, values) {
    if (args.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args[0])}`);
    const query = typeof values.tenant === 'string' ? `?tenant=${encodeURIComponent(values.tenant)}` : '';
    const { tokens } = await context.hub.get<{ tokens: TokenView[] }>(`/api/v1/tokens${query}`);
    if (context.json) context.print(JSON.stringify({ tokens }, null, 2));
    else if (tokens.length === 0) context.print('no tokens');
    else {
      context.print(table(['ID', 'NAME', 'ROLE', 'TENANT', 'CREATED', 'EXPIRES', 'LAST USED', 'STATE'], tokens.map((t) => [
        t.id, t.name, t.role, tenantOf(t), time(t.created), expiry(t), age(t.lastUsed), state(t),
      ])));
    }
    return EXIT.ok;
  },
};
