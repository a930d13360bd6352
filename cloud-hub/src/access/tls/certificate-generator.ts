// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API at load.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import { certificateFingerprint } from './tls-material.js';

/**
 * A private CA and a server certificate signed by it, made with WebCrypto, so
 * that a demo, a test or a first installation has TLS without openssl. The
 * CA's fingerprint goes into provisioning tokens, so gateways trust it on
 * first contact without a file being copied to them.
 */
export interface GeneratedCertificates {
  caCert: string;
  caKey: string;
  /** The server certificate followed by the CA's: the hub presents the whole chain. */
  serverCert: string;
  serverKey: string;
  /** SHA-256 of the CA certificate (DER), lowercase hex. */
  caFingerprint: string;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

export async function generateCertificates(options: { hosts: readonly string[]; days?: number; now?: Date }): Promise<GeneratedCertificates> {
  if (options.hosts.length === 0) throw new Error('name at least one host the server certificate is for');
  // node's webcrypto is the WebCrypto the library expects; the types differ only in name.
  x509.cryptoProvider.set(webcrypto as unknown as ReturnType<typeof x509.cryptoProvider.get>);
  const now = options.now ?? new Date();
  // A minute back: a gateway whose clock is slightly behind still accepts a certificate made just now.
  const notBefore = new Date(now.getTime() - 60_000);
  const caKeys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=Afferent hub CA',
    keys: caKeys,
    signingAlgorithm: ALGORITHM,
    notBefore,
    notAfter: new Date(now.getTime() + 10 * 365 * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const serverKeys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
  const server = await x509.X509CertificateGenerator.create({
    subject: `CN=${options.hosts[0]}`,
    issuer: ca.subject,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALGORITHM,
    notBefore,
    notAfter: new Date(now.getTime() + (options.days ?? 825) * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(options.hosts.map((host) => ({ type: isIP(host) ? 'ip' : 'dns', value: host }))),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const caCert = ca.toString('pem');
  return {
    caCert: `${caCert}\n`,
    caKey: await privateKeyPem(caKeys.privateKey),
    serverCert: `${server.toString('pem')}\n${caCert}\n`,
    serverKey: await privateKeyPem(serverKeys.privateKey),
    caFingerprint: certificateFingerprint(caCert),
  };
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `${x509.PemConverter.encode(der, 'PRIVATE KEY')}\n`;
}
