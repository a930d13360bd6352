import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { provisionGateway, startProcess, type RunningProcess } from '@afferent/testkit';

/**
 * The hub and the agent as compiled CLIs in child processes, wired as
 * `scripts/demo.mjs` wires them (`npm test` builds `dist/` first).
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
export const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdefghij';

export interface HubProcess {
  process: RunningProcess;
  apiUrl: string;
  mqttPort: number;
  /** GET an API path as admin; the JSON answer. */
  get<T = unknown>(path: string): Promise<T>;
}

export async function startHubProcess(dataDir: string): Promise<HubProcess> {
  const hub = startProcess(process.execPath, [
    join(root, 'cloud-hub/dist/cli.js'), 'run', '--host', '127.0.0.1', '--http-port', '0', '--mqtt-port', '0', '--data', dataDir,
  ], { env: { AFFERENT_ADMIN_TOKEN: ADMIN_TOKEN } });
  const [, apiUrl, mqttUrl] = await hub.waitForLine(/afferent hub ready: api (\S+) mqtt (\S+)/);
  return {
    process: hub,
    apiUrl: apiUrl!,
    mqttPort: Number(new URL(mqttUrl!).port),
    async get<T>(path: string) {
      const response = await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    },
  };
}

/** Create a gateway through the API and provision it; its MQTT password. */
export async function createGateway(hub: HubProcess, id: string): Promise<string> {
  return (await provisionGateway(hub.apiUrl, ADMIN_TOKEN, id)).password;
}

export interface AgentProcess {
  process: RunningProcess;
  statusUrl: string;
  /** The agent's /healthz. */
  health(): Promise<AgentHealth>;
}

export interface AgentHealth {
  uplink: { connected: boolean };
  backlog: { batches: number };
  alarms: Record<string, Record<string, { since: number }>>;
}

/** Write `dir/agent.yaml` (data in `dir/data`) for one gateway and its devices. */
export function writeAgentConfig(dir: string, options: { gateway: string; password: string; hubPort: number; devices: object[] }): string {
  const path = join(dir, 'agent.yaml');
  writeFileSync(path, stringify({
    gateway: { id: options.gateway },
    hub: { url: `mqtt://127.0.0.1:${options.hubPort}`, password: options.password },
    dataDir: 'data',
    status: { host: '127.0.0.1', port: 0 },
    logLevel: 'warn',
    uplink: { batchLinger: '20ms', ackTimeout: '2s' },
    devices: options.devices,
  }));
  return path;
}

export async function startAgentProcess(configPath: string): Promise<AgentProcess> {
  const agent = startProcess(process.execPath, [join(root, 'edge-agent/dist/cli.js'), 'run', '--config', configPath]);
  const [, statusUrl] = await agent.waitForLine(/afferent agent ready: .*status (\S+)/);
  return {
    process: agent,
    statusUrl: statusUrl!,
    async health() {
      return (await (await fetch(`${statusUrl}/healthz`)).json()) as AgentHealth;
    },
  };
}
