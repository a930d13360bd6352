import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { OPCUACertificateManager } from 'node-opcua';
import { pkiFolder } from './opcua-pki.js';

/** A server certificate as a field engineer checks it before trusting it. */
export interface CertificateInfo {
  /** SHA-1 of the DER, lower-case hex: what OPC UA tools call the thumbprint. */
  thumbprint: string;
  subject: string;
  applicationUri: string | undefined;
  validTo: string;
  file: string;
}

export function describeCertificate(file: string): CertificateInfo {
  const certificate = new X509Certificate(readFileSync(file));
  return {
    thumbprint: certificate.fingerprint.replaceAll(':', '').toLowerCase(),
    subject: certificate.subject.replaceAll('\n', ', '),
    applicationUri: /URI:([^,]+)/.exec(certificate.subjectAltName ?? '')?.[1]?.trim(),
    validTo: certificate.validTo,
    file,
  };
}

/** The server certificates the agent refused (newest files last). */
export function rejectedCertificates(dataDir: string): CertificateInfo[] {
  const folder = join(pkiFolder(dataDir), 'rejected');
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => /\.(pem|der)$/i.test(name))
    .map((name) => describeCertificate(join(folder, name)));
}

/**
 * Trust a certificate: one the agent refused, named by its thumbprint (or a
 * unique prefix of it), or any certificate file. It moves to pki/trusted,
 * where a running agent sees it on its next connection attempt.
 */
export async function trustServerCertificate(dataDir: string, ref: string): Promise<CertificateInfo> {
  const info = existsSync(ref) ? describeCertificate(ref) : findRejected(dataDir, ref);
  const certificate = new X509Certificate(readFileSync(info.file)).raw;
  const manager = new OPCUACertificateManager({ rootFolder: pkiFolder(dataDir), automaticallyAcceptUnknownCertificate: false });
  try {
    await manager.initialize();
    await manager.trustCertificate(certificate);
  } finally {
    await manager.dispose();
  }
  return info;
}

function findRejected(dataDir: string, ref: string): CertificateInfo {
  const wanted = ref.replaceAll(':', '').toLowerCase();
  const rejected = rejectedCertificates(dataDir);
  const matches = rejected.filter((c) => c.thumbprint.startsWith(wanted));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new Error(`${ref} matches ${matches.length} rejected certificates: give more of the thumbprint`);
  const known = rejected.map((c) => c.thumbprint).join(', ') || 'none';
  throw new Error(`no file ${ref} and no rejected certificate with that thumbprint (rejected: ${known})`);
}
