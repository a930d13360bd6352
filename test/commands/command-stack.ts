import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, resolveHubConfig, startHub, type RunningHub } from '@afferent/cloud-hub';
import { loadProfileLibrary } from '@afferent/device-profiles';
import { loadAgentConfig, startAgent, type RunningAgent } from '@afferent/edge-agent';
import { startModbusSimulator, type ModbusSimulator } from '@afferent/simulators';
import { waitFor } from '@afferent/testkit';

/** A command as the API shows it (the fields these tests read). */
export interface CommandView {
  id: string;
  status: string;
  error?: string;
  errorCode?: number | string;
  readbackValues?: Record<string, unknown>;
  history: { status: string; by: string }[];
}

/**
 * The whole command path in one process: a hub, a Modbus simulator with two
 * devices (th-1: an XY-MD02 sensor at unit 1, io-1: an 8-channel IO module at
 * unit 2) and an agent for gateway gw-1 that can be stopped and started again
 * on the same data folder (a gateway going offline and coming back).
 */
export async function commandStack(hubConfig: { resultTimeout?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'afferent-cmd-'));
  const library = loadProfileLibrary();
  const config = resolveHubConfig({ logLevel: 'silent', commands: hubConfig }, { host: '127.0.0.1', httpPort: 0, mqttPort: 0, dataDir: join(dir, 'hub') });
  const hub: RunningHub = await startHub(config, { logger: createLogger('silent'), adminToken: 'command-stack-admin-token-0123456789' });
  const tokens = { operator: hub.registry.tokens.create('operator', 'ops-anna').token, viewer: hub.registry.tokens.create('viewer', 'wall-screen').token };
  hub.registry.gateways.create('gw-1', 'default');
  const password = await hub.registry.gateways.issuePassword('gw-1');
  const sim: ModbusSimulator = await startModbusSimulator({
    devices: [
      { unitId: 1, profile: library.profiles.get('xy-md02')! },
      { unitId: 2, profile: library.profiles.get('waveshare-modbus-rtu-io-8ch')! },
    ],
  });
  writeFileSync(join(dir, 'agent.yaml'), `gateway: { id: gw-1 }
hub: { url: "${hub.mqttUrl}", password: "${password}" }
dataDir: agent
status: { port: 0 }
logLevel: silent
devices:
  - { id: th-1, profile: xy-md02, interval: 200ms, connection: { url: "${sim.url}", unitId: 1 } }
  - { id: io-1, profile: waveshare-modbus-rtu-io-8ch, interval: 200ms, connection: { url: "${sim.url}", unitId: 2 } }
`);
  let agent: RunningAgent | undefined;

  const api = async <T = CommandView>(method: 'GET' | 'POST', path: string, body?: object, token = tokens.operator) => {
    const response = await fetch(`${hub.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as T };
  };

  return {
    hub, sim, tokens, api,
    /** Start the agent and wait until the hub knows its devices. */
    async startAgent(): Promise<void> {
      agent = await startAgent(loadAgentConfig(join(dir, 'agent.yaml')));
      await waitFor('the gateway\'s devices at the hub', () => hub.registry.devices.get('th-1') && hub.registry.devices.get('io-1'));
    },
    /** The gateway goes offline (cleanly: its queued commands stay queued). */
    async stopAgent(): Promise<void> {
      await agent?.stop();
      agent = undefined;
      await waitFor('the hub to see the gateway offline', () => hub.registry.gateways.get('gw-1')?.online === false);
    },
    write: (device: string, body: object) => api('POST', `/api/v1/devices/${device}/commands`, body),
    /** Wait until the command reaches `status`, and return it. */
    settled: (id: string, status: string) =>
      waitFor(`command ${id} to be ${status}`, async () => {
        const { body } = await api('GET', `/api/v1/commands/${id}`);
        return body.status === status ? body : undefined;
      }),
    async close(): Promise<void> {
      await agent?.stop();
      await hub.stop();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
export type CommandStack = Awaited<ReturnType<typeof commandStack>>;
