import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadProfileLibrary } from '@afferent/device-profiles';
import { startOpcuaSimulator, type OpcuaSimulator } from '@afferent/simulators';
import { OPCUACertificateManager } from 'node-opcua';
import { opcuaTrust } from '../../commands/opcua-trust.js';
import { tempDirs } from '../../test-support/temp-dir.js';
import { waitFor } from '@afferent/testkit';
import type { DriverError } from '../driver.js';
import { createOpcuaDriver, type OpcuaDriver } from './opcua-driver.js';
import { agentApplicationUri, certificateUri, pkiFolder } from './opcua-pki.js';
import { rejectedCertificates } from './opcua-trust-store.js';

const BOILER = loadProfileLibrary().profiles.get('opcua-boiler')!;
const HOURS = BOILER.points.filter((p) => p.name === 'operating_hours');
const USERS = [{ username: 'operator', password: 's3cret' }];

const dirs = tempDirs('afferent-opcua-sec-');
let serverPki: string;
let sim: OpcuaSimulator;
const drivers: OpcuaDriver[] = [];
beforeAll(async () => {
  serverPki = dirs.make();
  sim = await startOpcuaSimulator({ pkiDir: serverPki, devices: [{ id: 'boiler-1', profile: BOILER }], security: { allowAnonymous: false, users: USERS, modes: ['SignAndEncrypt'] } });
  sim.device().set('operating_hours', 1234);
});
afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close()));
});
afterAll(async () => {
  await sim.close();
  dirs.cleanup();
});

function session(dataDir: string, connection: Record<string, unknown>) {
  const driver = createOpcuaDriver({ dataDir });
  drivers.push(driver);
  return driver.open({ profile: BOILER, instance: { id: 'boiler-1', profile: BOILER.profile, connection: { url: sim.endpointUrl, securityMode: 'SignAndEncrypt', timeout: '3s', ...connection } } });
}

const errorOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as DriverError);
const hours = async (s: ReturnType<typeof session>) => {
  const result = (await s.read(HOURS)).get('operating_hours')!;
  return 'raw' in result ? result.raw : result.error;
};

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: '', err: '' };
  out.on('data', (c: Buffer) => (chunks.out += c.toString()));
  err.on('data', (c: Buffer) => (chunks.err += c.toString()));
  const code = await opcuaTrust(args, out, err);
  return { code, ...chunks };
}

describe('OPC UA security', () => {
  it('SignAndEncrypt / Basic256Sha256 with a username and a passwordFile; the certificate carries the announced ApplicationUri', async () => {
    const dataDir = dirs.make();
    const passwordFile = join(dataDir, 'opcua-password');
    writeFileSync(passwordFile, 's3cret\n');
    const secure = session(dataDir, { username: 'operator', passwordFile, acceptUnknownCertificate: true });
    expect(await hours(secure)).toBe(1234);
    const own = readFileSync(join(pkiFolder(dataDir), 'own', 'certs', 'client_certificate.pem'));
    expect(certificateUri(own)).toBe(agentApplicationUri());

    const wrong = session(dirs.make(), { username: 'operator', password: 'guess', acceptUnknownCertificate: true });
    expect(await errorOf(wrong.read(HOURS))).toMatchObject({ code: expect.stringMatching(/BadUserAccessDenied|BadIdentityTokenRejected/) });
  });

  it('refuses an unknown server certificate, keeps it under pki/rejected, and connects once the CLI trusts it', async () => {
    const dataDir = dirs.make();
    const strict = session(dataDir, { username: 'operator', password: 's3cret' });
    const refused = await errorOf(strict.read(HOURS));
    expect(refused?.kind).toBe('unreachable');
    expect(refused?.message).toMatch(/certificate|Bad/i);
    const rejected = rejectedCertificates(dataDir);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.applicationUri).toMatch(/^urn:/);

    const listed = await cli(['--data', dataDir, '--list']);
    expect(listed).toMatchObject({ code: 0, out: expect.stringContaining(rejected[0]!.thumbprint) });
    const trusted = await cli(['--data', dataDir, rejected[0]!.thumbprint.slice(0, 12)]);
    expect(trusted).toMatchObject({ code: 0, out: expect.stringMatching(/^trusted [0-9a-f]{40} /) });
    expect(rejectedCertificates(dataDir)).toEqual([]);
    // The same session heals by itself on its next attempt: no restart of the agent.
    await waitFor('a read with the trusted server', async () => (await hours(strict)) === 1234, 20_000, 200);

    expect(await cli(['--data', dataDir, 'ffff'])).toMatchObject({ code: 1, err: expect.stringContaining('no rejected certificate') });
    expect((await cli(['--list'])).code).toBe(2);
  });

  it('replaces an application certificate made for another ApplicationUri (a renamed gateway)', async () => {
    const dataDir = dirs.make();
    const manager = new OPCUACertificateManager({ rootFolder: pkiFolder(dataDir), automaticallyAcceptUnknownCertificate: false });
    await manager.initialize();
    const file = join(pkiFolder(dataDir), 'own', 'certs', 'client_certificate.pem');
    await manager.createSelfSignedCertificate({ applicationUri: 'urn:old-name:afferent:edge-agent', dns: ['old-name'], subject: '/CN=old', startDate: new Date(), validity: 30, outputFile: file });
    await manager.dispose();
    const secure = session(dataDir, { username: 'operator', password: 's3cret', acceptUnknownCertificate: true });
    expect(await hours(secure)).toBe(1234);
    expect(certificateUri(readFileSync(file))).toBe(agentApplicationUri());
    expect(existsSync(file)).toBe(true);
  });
});
