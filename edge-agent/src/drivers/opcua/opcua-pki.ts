import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { OPCUACertificateManager } from 'node-opcua';

/** The agent's OPC UA identity: what it announces in CreateSession, and what its certificate's SAN must say. */
export const AGENT_APPLICATION_NAME = 'Afferent edge agent';
export function agentApplicationUri(host = hostname()): string {
  return `urn:${host}:afferent:edge-agent`;
}

/** `dataDir/pki`: own certificate and key, trusted/ and rejected/ server certificates. */
export function pkiFolder(dataDir: string): string {
  return join(dataDir, 'pki');
}

/**
 * The agent's PKI in its data folder (nothing under HOME). On first use it
 * makes the application certificate, whose SubjectAltName carries exactly the
 * ApplicationUri the client announces: servers refuse a session whose
 * certificate disagrees (BadCertificateUriInvalid), the classic failure when
 * a gateway is renamed. A certificate made for another URI is set aside and
 * a new one made. Unknown server certificates are refused and kept under
 * rejected/ for `edge-agent opcua-trust`, unless a connection accepts them.
 */
export class AgentPki {
  readonly applicationUri = agentApplicationUri();
  readonly root: string;
  private strict?: Promise<OPCUACertificateManager>;
  private lenient?: Promise<OPCUACertificateManager>;
  private own?: Promise<void>;

  constructor(dataDir: string) {
    this.root = pkiFolder(dataDir);
  }

  get certificateFile(): string {
    return join(this.root, 'own', 'certs', 'client_certificate.pem');
  }

  get privateKeyFile(): string {
    return join(this.root, 'own', 'private', 'private_key.pem');
  }

  /**
   * The certificate manager for a connection. Both kinds share one folder;
   * the lenient one trusts (and files under trusted/) what it has not seen.
   */
  manager(acceptUnknown: boolean): Promise<OPCUACertificateManager> {
    if (acceptUnknown) return (this.lenient ??= this.open(true));
    return (this.strict ??= this.open(false));
  }

  async dispose(): Promise<void> {
    const managers = await Promise.all([this.strict, this.lenient].map((m) => m?.catch(() => undefined)));
    this.strict = this.lenient = undefined;
    await Promise.all(managers.map((m) => m?.dispose()));
  }

  private async open(acceptUnknown: boolean): Promise<OPCUACertificateManager> {
    const manager = new OPCUACertificateManager({ rootFolder: this.root, automaticallyAcceptUnknownCertificate: acceptUnknown });
    await manager.initialize();
    // Both managers share the key in one folder: whichever opens first makes the certificate.
    await (this.own ??= this.ensureCertificate(manager));
    return manager;
  }

  private async ensureCertificate(manager: OPCUACertificateManager): Promise<void> {
    const file = this.certificateFile;
    if (existsSync(file)) {
      const uri = certificateUri(readFileSync(file));
      if (uri === this.applicationUri) return;
      renameSync(file, `${file}.${Date.now()}.replaced`);
    }
    const host = hostname();
    await manager.createSelfSignedCertificate({
      applicationUri: this.applicationUri,
      dns: [host],
      subject: `/CN=${AGENT_APPLICATION_NAME}@${host}/O=Afferent`,
      startDate: new Date(),
      validity: 365 * 10,
      outputFile: file,
    });
  }
}

/** The URI in a certificate's SubjectAltName (PEM or DER). */
export function certificateUri(certificate: Buffer): string | undefined {
  const alt = new X509Certificate(certificate).subjectAltName ?? '';
  return /URI:([^,]+)/.exec(alt)?.[1]?.trim();
}
