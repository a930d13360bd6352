import { parseArgs } from 'node:util';
import { rejectedCertificates, trustServerCertificate, type CertificateInfo } from '../drivers/opcua/opcua-trust-store.js';
import { OPCUA_TRUST_USAGE } from './usage.js';

const line = (c: CertificateInfo) => `${c.thumbprint}  ${c.applicationUri ?? '(no URI)'}  ${c.subject}  valid to ${c.validTo}`;

/** `edge-agent opcua-trust`: list refused server certificates, or trust one. */
export async function opcuaTrust(args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { data: { type: 'string', short: 'd' }, list: { type: 'boolean', short: 'l' } }, allowPositionals: true, strict: true });
  if (!values.data || (values.list ? positionals.length > 0 : positionals.length !== 1)) {
    err.write(`usage:\n${OPCUA_TRUST_USAGE}`);
    return 2;
  }
  if (values.list) {
    const rejected = rejectedCertificates(values.data);
    if (rejected.length === 0) out.write('no rejected server certificates\n');
    for (const certificate of rejected) out.write(`${line(certificate)}\n`);
    return 0;
  }
  try {
    const trusted = await trustServerCertificate(values.data, positionals[0]!);
    out.write(`trusted ${line(trusted)}\n`);
    return 0;
  } catch (error) {
    err.write(`edge-agent opcua-trust: ${(error as Error).message}\n`);
    return 1;
  }
}
