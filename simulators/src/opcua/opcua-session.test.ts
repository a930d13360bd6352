import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AttributeIds, ClientMonitoredItem, StatusCodes, TimestampsToReturn, UserTokenType } from 'node-opcua';
import { loadProfileLibrary } from '@afferent/device-profiles';
import { waitFor } from '@afferent/testkit';
import { SimulatedDevice } from '../device/simulated-device.js';
import { startOpcuaSimulator, type OpcuaSimulator, type OpcuaSimulatorOptions } from './opcua-simulator.js';
import { connect, type TestSession } from './test-support/opcua-client.js';

/** Secure channels, user tokens and sessions that heal: what an agent's OPC UA driver relies on. */
const boiler = loadProfileLibrary().profiles.get('opcua-boiler')!;
const LEVEL = boiler.points.find((p) => p.name === 'drum_level')!.opcua!.nodeId;

let pkiDir: string;
let simulator: OpcuaSimulator | undefined;
let client: TestSession | undefined;
beforeAll(() => {
  pkiDir = mkdtempSync(join(tmpdir(), 'opcua-session-'));
});
afterEach(async () => {
  await client?.close();
  client = undefined;
  await simulator?.close();
  simulator = undefined;
});
afterAll(() => rmSync(pkiDir, { recursive: true, force: true }));

async function serve(options: Partial<OpcuaSimulatorOptions> = {}): Promise<OpcuaSimulator> {
  simulator = await startOpcuaSimulator({ pkiDir, devices: [{ profile: boiler, signals: { drum_level: { kind: 'constant', value: 480 } } }], ...options });
  return simulator;
}

describe('OPC UA simulator sessions', () => {
  it('serves a SignAndEncrypt / Basic256Sha256 channel', async () => {
    const sim = await serve({ security: { modes: ['SignAndEncrypt'] } });
    client = await connect(sim.endpointUrl, pkiDir, { securityMode: 'SignAndEncrypt' });
    expect((await client.read(LEVEL)).value.value).toBe(480);
    const endpoints = await client.client.getEndpoints();
    expect(endpoints.map((e) => `${e.securityMode}/${e.securityPolicyUri?.split('#')[1]}`)).toEqual(['3/Basic256Sha256']);
  });

  it('takes a username and password, and refuses anonymous and wrong passwords', async () => {
    const sim = await serve({ security: { allowAnonymous: false, users: [{ username: 'operator', password: 's3cret' }] } });
    client = await connect(sim.endpointUrl, pkiDir, { user: { type: UserTokenType.UserName, userName: 'operator', password: 's3cret' } });
    expect((await client.read(LEVEL)).value.value).toBe(480);
    await expect(connect(sim.endpointUrl, pkiDir)).rejects.toThrow(/BadIdentityTokenInvalid|BadIdentityTokenRejected|anonymous/i);
    await expect(connect(sim.endpointUrl, pkiDir, { user: { type: UserTokenType.UserName, userName: 'operator', password: 'guess' } }))
      .rejects.toThrow(/BadUserAccessDenied|BadIdentityTokenRejected/);
  });

  it('heals after a restart on the same port: the session reads again and the subscription delivers again', async () => {
    const device = new SimulatedDevice({ profile: boiler });
    device.set('drum_level', 500);
    const first = await serve({ devices: [{ device }] });
    client = await connect(first.endpointUrl, pkiDir);
    const subscription = await client.session.createSubscription2({ requestedPublishingInterval: 50, requestedMaxKeepAliveCount: 10, publishingEnabled: true });
    const seen: number[] = [];
    const item = ClientMonitoredItem.create(subscription, { nodeId: client.nodeId(LEVEL), attributeId: AttributeIds.Value },
      { samplingInterval: 50, queueSize: 10, discardOldest: true }, TimestampsToReturn.Both);
    item.on('changed', (dataValue) => seen.push(dataValue.value.value as number));
    await waitFor('the first value', () => seen.includes(500));

    await first.close();
    simulator = await startOpcuaSimulator({ pkiDir, port: first.port, devices: [{ device }] });
    expect(simulator.endpointUrl).toBe(first.endpointUrl);
    device.set('drum_level', 505.5);
    await waitFor('a read after the restart', async () => (await client!.read(LEVEL)).value.value === 505.5, 30_000, 200);
    await waitFor('the subscription after the restart', () => seen.includes(505.5), 30_000);
  });

  it('drops every channel on a drop-connection fault, and the client reconnects once it clears', async () => {
    const sim = await serve();
    client = await connect(sim.endpointUrl, pkiDir);
    let lost = 0;
    client.client.on('connection_lost', () => lost++);
    sim.setFault({ kind: 'drop-connection' });
    await waitFor('the connection lost', () => lost > 0);
    sim.setFault(undefined);
    await waitFor('a read after reconnecting', async () => (await client!.read(LEVEL)).statusCode === StatusCodes.Good, 30_000, 200);
  });
});
