import { createHash, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { connect, type DetailedPeerCertificate } from 'node:tls';

/**
 * The hub's CA, found by the fingerprint a provisioning token carries (as
 * kubeadm's discovery hash): the field engineer copies one token, not a CA
 * file, and the agent still trusts nothing it cannot check.
 *
 * The certificates a server presents can only be read on a connection that
 * has not verified them yet, so this one connection reads the chain, sends
 * nothing, and closes. The chain is accepted only if it holds a certificate
 * whose SHA-256 is the token's; everything after (the token exchange, every
 * MQTT connection) runs on connections that Node verifies against that CA,
 * host name included.
 */
export async function pinnedHubCa(hub: URL, fingerprint: string, timeoutMs = 10_000): Promise<string> {
  const chain = await presentedChain(hub, timeoutMs);
  const match = chain.find((cert) => createHash('sha256').update(cert.raw).digest('hex') === fingerprint);
  if (!match) {
    throw new Error(`${hub.origin} presented no certificate with the fingerprint in the token (${fingerprint.slice(0, 16)}…): `
      + 'it is not the hub that issued the token, or something sits between; nothing was sent');
  }
  return new X509Certificate(match.raw).toString();
}

/** Every certificate the server presents, leaf first. */
function presentedChain(hub: URL, timeoutMs: number): Promise<DetailedPeerCertificate[]> {
  const host = hub.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port: Number(hub.port || 443),
      ...(isIP(host) ? {} : { servername: host }),
      // Read-only: see above. Nothing is sent on this connection, and the chain is trusted only through the fingerprint.
      rejectUnauthorized: false,
      timeout: timeoutMs,
    });
    socket.once('secureConnect', () => {
      const chain: DetailedPeerCertificate[] = [];
      for (let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true); cert?.raw && !chain.includes(cert); cert = cert.issuerCertificate) {
        chain.push(cert);
      }
      socket.destroy();
      resolve(chain);
    });
    socket.once('timeout', () => socket.destroy(new Error(`no TLS answer from ${hub.host} within ${timeoutMs / 1000} s`)));
    socket.once('error', (error) => reject(new Error(`cannot reach ${hub.origin}: ${error.message}`)));
  });
}
