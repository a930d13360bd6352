import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { freePort } from '@afferent/simulators';
import { startProcess, type RunningProcess } from './child-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const HUB_CLI = join(ROOT, 'cloud-hub/dist/cli.js');
export const AGENT_CLI = join(ROOT, 'edge-agent/dist/cli.js');

/** A temp folder for one test, removed by `cleanup()`. */
export function workDir(prefix = 'afferent-e2e-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface HubProcess {
  process: RunningProcess;
  apiUrl: string;
  mqttUrl: string;
  token: string;
  api<T = unknown>(path: string, init?: RequestInit): Promise<{ status: number; body: T }>;
}

export interface HubPorts {
  http: number;
  mqtt: number;
}

/** Start the compiled hub on fixed ports (so a restart keeps them) with the given data folder. */
export async function startHubProcess(dataDir: string, ports: HubPorts, options: { token?: string; config?: object } = {}): Promise<HubProcess> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const configFile = join(dataDir, '..', `hub-${ports.http}.yaml`);
  writeFileSync(configFile, stringify({ http: { host: '127.0.0.1', port: ports.http }, mqtt: { host: '127.0.0.1', port: ports.mqtt }, dataDir, logLevel: 'warn', ...options.config }));
  const process = startProcess('node', [HUB_CLI, 'run', '--config', configFile], { env: { AFFERENT_ADMIN_TOKEN: token } });
  const [, apiUrl, mqttUrl] = await process.waitForLine(/afferent hub ready: api (\S+) mqtt (\S+)/);
  const api = async <T>(path: string, init: RequestInit = {}) => {
    const response = await fetch(`${apiUrl}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  return { process, apiUrl: apiUrl!, mqttUrl: mqttUrl!, token, api };
}

export async function hubPorts(): Promise<HubPorts> {
  return { http: await freePort(), mqtt: await freePort() };
}

/** Create a gateway through the API and return its MQTT password. */
export async function createGateway(hub: HubProcess, id: string): Promise<string> {
  const { status, body } = await hub.api<{ mqtt: { password: string } }>('/api/v1/gateways', { method: 'POST', body: JSON.stringify({ id }) });
  if (status !== 201) throw new Error(`creating gateway ${id}: ${status} ${JSON.stringify(body)}`);
  return body.mqtt.password;
}

export interface AgentProcess {
  process: RunningProcess;
  statusUrl: string;
  health<T = { backlog: { batches: number; readings: number } }>(): Promise<T>;
  /** A counter from the agent's /metrics, summed over its labels. */
  metric(name: string): Promise<number>;
}

/** Start the compiled agent with a config written from `config`. */
export async function startAgentProcess(dir: string, config: object): Promise<AgentProcess> {
  const file = join(dir, 'agent.yaml');
  writeFileSync(file, stringify(config));
  const process = startProcess('node', [AGENT_CLI, 'run', '--config', file]);
  const [, statusUrl] = await process.waitForLine(/afferent agent ready: .*status (\S+)/);
  return {
    process,
    statusUrl: statusUrl!,
    health: async <T>() => (await (await fetch(`${statusUrl}/healthz`)).json()) as T,
    metric: async (name) => {
      const text = await (await fetch(`${statusUrl}/metrics`)).text();
      return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    },
  };
}
