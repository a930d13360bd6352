import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseDocument } from 'yaml';

/**
 * The agent configuration a provisioning leaves: the gateway id, the hub's
 * MQTT url and the data folder. An existing file keeps everything else
 * (devices, comments); its hub section loses password, passwordFile,
 * username and ca, which now come from the data folder.
 */
export function writeProvisionedConfig(file: string, fields: { gatewayId: string; hubUrl: string; dataDir?: string }): 'created' | 'updated' {
  if (!existsSync(file)) {
    writeFileSync(file, [
      '# Written by edge-agent provision; see edge-agent/README.md for every field.',
      '# The hub credentials and CA are in the data folder (credentials.json, hub-ca.pem).',
      `gateway: { id: ${fields.gatewayId} }`,
      `hub: { url: "${fields.hubUrl}" }`,
      ...(fields.dataDir ? [`dataDir: ${JSON.stringify(fields.dataDir)}`] : []),
      'devices: []',
      '',
    ].join('\n'), { mode: 0o640 });
    return 'created';
  }
  const document = parseDocument(readFileSync(file, 'utf8'));
  if (document.errors.length > 0) throw new Error(`${file} is not valid YAML (${document.errors[0]!.message.split('\n')[0]}): fix it, or provision without --config`);
  document.setIn(['gateway', 'id'], fields.gatewayId);
  document.setIn(['hub', 'url'], fields.hubUrl);
  for (const field of ['password', 'passwordFile', 'username', 'ca']) document.deleteIn(['hub', field]);
  if (fields.dataDir) document.setIn(['dataDir'], fields.dataDir);
  writeFileSync(file, document.toString());
  return 'updated';
}

/** The data folder an existing configuration names, if it names one (the rest of it need not be valid yet). */
export function configuredDataDir(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const value = parseDocument(readFileSync(file, 'utf8')).toJS() as { dataDir?: unknown } | null;
  return typeof value?.dataDir === 'string' ? value.dataDir : undefined;
}
