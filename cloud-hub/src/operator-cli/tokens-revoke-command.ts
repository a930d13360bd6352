import { UsageError, type CliCommand } from './cli-command.js';
import { EXIT } from './hub-client.js';
import type { TokenView } from './token-view.js';

export const tokensRevokeCommand: CliCommand = {
  usage: 'tokens revoke ID',
  summary: 'admin: revoke an API token at once (its next request is refused)',
  async run(context, args) {
    if (args.length !== 1) throw new UsageError('tokens revoke needs exactly one ID (see afferent tokens)');
    const token = await context.hub.delete<TokenView>(`/api/v1/tokens/${encodeURIComponent(args[0]!)}`);
    if (context.json) context.print(JSON.stringify(token, null, 2));
    else context.print(`token ${token.id} "${token.name}" revoked`);
    return EXIT.ok;
  },
};
