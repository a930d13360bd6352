import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { OPCUA_SECURITY_MODES, parseProfile } from '@afferent/device-profiles';
import { AGENT_DEFAULTS } from '../config/agent-config-schema.js';
import { browseEndpoint } from '../drivers/opcua/opcua-browse.js';
import { OPCUA_DEFAULT_TIMEOUT_MS } from '../drivers/opcua/opcua-driver.js';
import { profileDraft } from '../drivers/opcua/opcua-profile-draft.js';
import { BROWSE_USAGE } from './usage.js';

/** `edge-agent browse opcua`: walk a server's address space, print its variables, and optionally draft a profile. */
export async function browseOpcua(args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      endpoint: { type: 'string', short: 'e' },
      root: { type: 'string' },
      depth: { type: 'string' },
      security: { type: 'string' },
      user: { type: 'string', short: 'u' },
      password: { type: 'string', short: 'p' },
      'accept-unknown-certificate': { type: 'boolean' },
      data: { type: 'string', short: 'd' },
      'profile-draft': { type: 'string' },
      'profile-name': { type: 'string' },
    },
  });
  const security = (values.security ?? 'None') as (typeof OPCUA_SECURITY_MODES)[number];
  const depth = values.depth === undefined ? 5 : Number(values.depth);
  if (!values.endpoint || !OPCUA_SECURITY_MODES.includes(security) || !Number.isInteger(depth) || depth < 1 || (values.user === undefined) !== (values.password === undefined)) {
    err.write(`usage:\n${BROWSE_USAGE}`);
    return 2;
  }
  const variables = await browseEndpoint({
    url: values.endpoint,
    securityMode: security,
    securityPolicy: security === 'None' ? 'None' : 'Basic256Sha256',
    ...(values.user !== undefined && { user: { username: values.user, password: values.password! } }),
    timeoutMs: OPCUA_DEFAULT_TIMEOUT_MS,
    acceptUnknownCertificate: values['accept-unknown-certificate'] ?? false,
  }, values.data ?? AGENT_DEFAULTS.dataDir, { ...(values.root !== undefined && { root: values.root }), depth });
  for (const v of variables) out.write(`${v.nodeId}\t${v.dataType}\t${v.writable ? (v.readable ? 'rw' : 'w') : 'r'}\t${v.path}\n`);
  out.write(`${variables.length} variable${variables.length === 1 ? '' : 's'}\n`);
  const file = values['profile-draft'];
  if (file) {
    const draft = profileDraft(variables, { name: values['profile-name'] ?? 'opcua-draft', endpoint: values.endpoint });
    // Never write a draft the agent itself would refuse.
    const points = parseProfile(draft, file).points.length;
    writeFileSync(file, draft);
    out.write(`wrote ${file}: profile ${values['profile-name'] ?? 'opcua-draft'} with ${points} points\n`);
  }
  return 0;
}
