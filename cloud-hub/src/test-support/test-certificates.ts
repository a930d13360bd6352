import { join } from 'node:path';
import { generateCertificates } from '../access/tls/certificate-generator.js';
import { writeCertificates } from '../access/tls/write-certificates.js';

/** A CA and a server certificate for these hosts in `dir`, as `cloud-hub certs generate` makes them. */
export async function testCertificates(dir: string, hosts: string[] = ['127.0.0.1', 'localhost']) {
  const generated = await generateCertificates({ hosts });
  const paths = writeCertificates(dir, generated);
  return {
    ...generated,
    paths,
    /** The hub config's `tls` section. */
    tls: { cert: paths.serverCert, key: paths.serverKey, ca: paths.caCert },
    dir: join(dir),
  };
}
