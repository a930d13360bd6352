import { statSync } from 'node:fs';
import { join } from 'node:path';
import { parseProvisioningToken } from '@afferent/device-profiles';
import { afterEach, describe, expect, it } from 'vitest';
import { HubClient } from '../operator-cli/hub-client.js';
import { testCertificates } from '../test-support/test-certificates.js';
import { ADMIN_TOKEN, TestBed } from '../test-support/test-hub.js';
import { certificateFingerprint } from './tls/tls-material.js';

/** The hub with TLS: HTTPS API and MQTT over TLS with its own CA, verified by real clients (node:https, mqtt.js). */
describe('the hub over TLS', () => {
  const bed = new TestBed();
  afterEach(() => bed.cleanup());

  async function tlsHub() {
    const dir = bed.tempDir();
    const certs = await testCertificates(join(dir, 'tls'));
    const hub = await bed.hub(bed.config(join(dir, 'hub'), { tls: certs.tls, mqtt: { host: '127.0.0.1', port: 0, tlsPort: 0, plain: false } }));
    return { hub, certs, other: await testCertificates(join(dir, 'other')) };
  }

  it('serves the API over HTTPS and MQTT over TLS only, and issues tokens that carry its CA\'s fingerprint', async () => {
    const { hub, certs } = await tlsHub();
    expect(hub.apiUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(hub.mqttUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    expect(hub.mqttUrls.plain).toBeUndefined();
    expect(hub.caFingerprint).toBe(certificateFingerprint(certs.caCert));
    const admin = new HubClient(hub.apiUrl, ADMIN_TOKEN, { ca: certs.caCert });
    const { provisioning } = await admin.post<{ provisioning: { token: string; hub: string } }>('/api/v1/gateways', { id: 'gw-1' });
    expect(parseProvisioningToken(provisioning.token)?.fingerprint).toBe(hub.caFingerprint);
    expect(provisioning.hub).toBe(hub.apiUrl);

    const credentials = await admin.post<{ mqtt: { url: string; username: string; password: string }; ca: string }>('/api/v1/provision', { token: provisioning.token });
    expect(credentials.mqtt.url).toBe(hub.mqttUrl);
    expect(credentials.ca).toBe(certs.caCert);
    const client = await bed.connect(hub, { username: credentials.mqtt.username, password: credentials.mqtt.password, ca: certs.caCert });
    expect(client.connected).toBe(true);
  });

  it('is refused by clients that trust another CA, over HTTPS and over MQTT', async () => {
    const { hub, other } = await tlsHub();
    await expect(new HubClient(hub.apiUrl, ADMIN_TOKEN, { ca: other.caCert }).get('/api/v1/gateways'))
      .rejects.toThrow(/cannot reach the hub .*(self-signed|unable to verify|certificate).*--ca FILE/i);
    await expect(bed.connect(hub, { username: 'gw-1', password: 'x', ca: other.caCert })).rejects.toThrow(/self-signed|unable to verify|certificate/i);
    // Without any CA of ours, the system's store does not know this one either.
    await expect(bed.connect(hub, { username: 'gw-1', password: 'x' })).rejects.toThrow(/self-signed|unable to verify|certificate/i);
  });

  it('writes private keys readable by their owner only', async () => {
    const certs = await testCertificates(bed.tempDir());
    expect(statSync(certs.paths.caKey).mode & 0o777).toBe(0o600);
    expect(statSync(certs.paths.serverKey).mode & 0o777).toBe(0o600);
    expect(statSync(certs.paths.serverCert).mode & 0o777).toBe(0o644);
  });
});
