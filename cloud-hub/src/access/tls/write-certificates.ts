import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GeneratedCertificates } from './certificate-generator.js';

/** The file names `cloud-hub certs generate` writes, which the hub config's `tls` section then names. */
export const CERT_FILES = { caCert: 'ca.crt', caKey: 'ca.key', serverCert: 'server.crt', serverKey: 'server.key' } as const;

/** Write the certificates; private keys are readable by their owner only. */
export function writeCertificates(dir: string, generated: GeneratedCertificates): Record<keyof typeof CERT_FILES, string> {
  mkdirSync(dir, { recursive: true });
  const paths = Object.fromEntries(Object.entries(CERT_FILES).map(([key, name]) => [key, join(dir, name)])) as Record<keyof typeof CERT_FILES, string>;
  for (const key of Object.keys(CERT_FILES) as (keyof typeof CERT_FILES)[]) {
    writeFileSync(paths[key], generated[key], { mode: key.endsWith('Key') ? 0o600 : 0o644 });
  }
  return paths;
}
