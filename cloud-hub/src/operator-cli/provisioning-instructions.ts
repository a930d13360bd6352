import type { CliContext } from './cli-command.js';
import { time } from './format.js';

/** What `gateways create` and `gateways rotate` print: the one command a field engineer runs on the gateway. */
export function printProvisioning(context: CliContext, gateway: string, provisioning: { token: string; expires: number; hub: string }): void {
  context.print(`provisioning token for gateway ${gateway}, valid once until ${time(provisioning.expires)}:`);
  context.print(`  ${provisioning.token}`);
  context.print('on the gateway, run:');
  context.print(`  edge-agent provision --hub ${provisioning.hub} --token ${provisioning.token} --config /etc/afferent/agent.yaml`);
}

/** `k=v` words → labels; throws with the word that is not one. */
export function parseLabelWords(words: readonly string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const word of words) {
    const equals = word.indexOf('=');
    if (equals <= 0) throw new Error(`--label: expected key=value, got ${JSON.stringify(word)}`);
    result[word.slice(0, equals)] = word.slice(equals + 1);
  }
  return result;
}
