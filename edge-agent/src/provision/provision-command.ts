import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseProvisioningToken } from '@afferent/device-profiles';
import { AGENT_DEFAULTS } from '../config/agent-config-schema.js';
import { writeCredentials } from './credentials-store.js';
import { pinnedHubCa } from './hub-certificate.js';
import { configuredDataDir, writeProvisionedConfig } from './provisioned-config.js';
import { exchangeToken } from './token-exchange.js';

export const PROVISION_USAGE = `  edge-agent provision --hub https://HOST:PORT --token TOKEN [--data DIR] [--config FILE] [--ca FILE]
                                      exchange a one-time token for this gateway's credentials
`;

type Out = { write(text: string): unknown };

/**
 * `edge-agent provision`: exchange the token at the hub (HTTPS, the hub's CA
 * pinned by the token's fingerprint, or --ca, or the system's CAs), keep the
 * credentials and the hub's CA in the data folder (mode 0600), and, with
 * --config, write or update the agent configuration to match. Exit 0 done, 1
 * refused or unreachable, 2 usage.
 */
export async function provisionCommand(argv: readonly string[], stdout: Out, stderr: Out): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv], strict: true,
      options: { hub: { type: 'string' }, token: { type: 'string' }, data: { type: 'string' }, config: { type: 'string' }, ca: { type: 'string' } },
    }));
  } catch (error) {
    stderr.write(`edge-agent provision: ${(error as Error).message}\n${PROVISION_USAGE}`);
    return 2;
  }
  const usage = (message: string) => {
    stderr.write(`edge-agent provision: ${message}\n${PROVISION_USAGE}`);
    return 2;
  };
  if (!values.hub || !values.token) return usage('--hub and --token are both needed');
  const token = parseProvisioningToken(values.token);
  if (!token) return usage('that is not a provisioning token (copy all of it: letters, digits, "-", "_", a dot and 64 hex digits)');
  let hub: URL;
  try {
    hub = new URL(values.hub);
  } catch {
    return usage(`--hub: expected the hub's API address, such as https://hub.example.com:8080, got ${JSON.stringify(values.hub)}`);
  }
  // The answer is this gateway's password: it never crosses the network in clear.
  if (hub.protocol !== 'https:') return usage(`--hub must be https:// (got ${hub.protocol}//): the answer carries the gateway's password`);

  const config = values.config === undefined ? undefined : resolve(values.config);
  const fromConfig = config ? configuredDataDir(config) : undefined;
  const dataDir = values.data !== undefined ? resolve(values.data)
    : resolve(config ? dirname(config) : process.cwd(), fromConfig ?? AGENT_DEFAULTS.dataDir);
  try {
    const ca = token.fingerprint ? await pinnedHubCa(hub, token.fingerprint) : values.ca ? readFileSync(values.ca, 'utf8') : undefined;
    const answer = await exchangeToken(hub, values.token.trim(), ca);
    const written = writeCredentials(dataDir, { gateway: answer.gateway, hub: hub.origin, mqtt: answer.mqtt, provisioned: Date.now() }, answer.ca ?? ca);
    stdout.write(`provisioned gateway ${answer.gateway} at ${hub.origin}${token.fingerprint ? ` (hub CA pinned: sha256 ${token.fingerprint.slice(0, 16)}…)` : ''}\n`);
    stdout.write(`credentials: ${written.credentials}${written.ca ? `, hub CA: ${written.ca}` : ''} (mode 0600)\n`);
    if (config) {
      const how = writeProvisionedConfig(config, {
        gatewayId: answer.gateway, hubUrl: answer.mqtt.url, ...(values.data !== undefined || !fromConfig ? { dataDir } : {}),
      });
      stdout.write(`config: ${config} ${how} (gateway ${answer.gateway}, hub ${answer.mqtt.url})\nnext: edge-agent run --config ${config}\n`);
    } else {
      stdout.write(`hub: ${answer.mqtt.url}; in the agent config: gateway: { id: ${answer.gateway} }, dataDir: ${dataDir}\n`);
    }
    return 0;
  } catch (error) {
    stderr.write(`edge-agent provision: ${(error as Error).message}\n`);
    return 1;
  }
}
