import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** What the hub's TLS listeners and its provisioning need, read from the files `tls` names. */
export interface TlsMaterial {
  key: string;
  /** The server certificate and its chain, ending with the CA when there is one: a gateway pinning the CA finds it there. */
  cert: string;
  /** The CA certificate(s) gateways are given, PEM. */
  ca?: string;
  /** SHA-256 of the CA certificate, lowercase hex: provisioning tokens carry it. */
  caFingerprint?: string;
}

export function loadTlsMaterial(files: { cert: string; key: string; ca?: string }): TlsMaterial {
  const cert = readFileSync(files.cert, 'utf8');
  const key = readFileSync(files.key, 'utf8');
  if (files.ca === undefined) return { cert, key };
  const ca = readFileSync(files.ca, 'utf8');
  const chain = pemBlocks(cert);
  const missing = pemBlocks(ca).filter((block) => !chain.includes(block));
  return { key, cert: [...chain, ...missing].join('\n') + '\n', ca, caFingerprint: certificateFingerprint(ca) };
}

/** SHA-256 of a certificate's DER (the first one in a PEM text), lowercase hex without colons. */
export function certificateFingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256.replaceAll(':', '').toLowerCase();
}

/** Each `-----BEGIN CERTIFICATE-----` block of a PEM text, normalised. */
export function pemBlocks(text: string): string[] {
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => m[0].replace(/\r\n/g, '\n'));
}
