import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { freePort } from '@afferent/simulators';
import { provisionGateway, startProcess, waitFor, type RunningProcess } from '@afferent/testkit';
import { metricValue } from './prometheus.js';

// bench/src/stack or bench/dist/stack: the repository is three levels up.
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const HUB_CLI = join(ROOT, 'cloud-hub/dist/cli.js');
/** The agent as deployed: its bundle (edge-agent/scripts/bundle.mjs), not the compiled files. */
export const AGENT_CLI = join(ROOT, 'edge-agent/bundle/cli.mjs');
export const SIM_CLI = join(ROOT, 'simulators/dist/cli.js');
export const AFFERENT_CLI = join(ROOT, 'cloud-hub/dist/operator-cli.js');
/** Profiles made for benchmarks and tests (`bench/profiles`). */
export const BENCH_PROFILES = join(ROOT, 'bench/profiles');

/** A temp folder for one test, removed by `cleanup()`. */
export function workDir(prefix = 'afferent-e2e-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The systemd units' environment: two malloc arenas (glibc makes up to 8 per core, each keeping freed memory resident). */
export const DEPLOYED_ENV = { MALLOC_ARENA_MAX: '2' };

export interface HubProcess {
  process: RunningProcess;
  apiUrl: string;
  mqttUrl: string;
  token: string;
  api<T = unknown>(path: string, init?: RequestInit): Promise<{ status: number; body: T }>;
  /** A metric from the hub's /metrics, summed over the samples whose labels match. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** One scrape, read many times (event-loop figures reset at every scrape). */
  scrape(): Promise<MetricReader>;
}

export type MetricReader = (name: string, labels?: Record<string, string>) => number;

export interface HubPorts {
  http: number;
  mqtt: number;
}

/** Start the compiled hub on fixed ports (so a restart keeps them) with the given data folder. */
export async function startHubProcess(dataDir: string, ports: HubPorts, options: { token?: string; config?: object } = {}): Promise<HubProcess> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const configFile = join(dataDir, '..', `hub-${ports.http}.yaml`);
  writeFileSync(configFile, stringify({ http: { host: '127.0.0.1', port: ports.http }, mqtt: { host: '127.0.0.1', port: ports.mqtt }, dataDir, logLevel: 'warn', ...options.config }));
  const process = startProcess('node', [HUB_CLI, 'run', '--config', configFile], { env: { ...DEPLOYED_ENV, AFFERENT_ADMIN_TOKEN: token } });
  const [, apiUrl, mqttUrl] = await process.waitForLine(/afferent hub ready: api (\S+) mqtt (\S+)/);
  const api = async <T>(path: string, init: RequestInit = {}) => {
    const response = await fetch(`${apiUrl}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const scrape = async (): Promise<MetricReader> => {
    const text = await (await fetch(`${apiUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    return (name, labels = {}) => metricValue(text, name, labels);
  };
  const metric = async (name: string, labels: Record<string, string> = {}) => (await scrape())(name, labels);
  return { process, apiUrl: apiUrl!, mqttUrl: mqttUrl!, token, api, metric, scrape };
}

export async function hubPorts(): Promise<HubPorts> {
  return { http: await freePort(), mqtt: await freePort() };
}

/** Create a gateway through the API, provision it, and return its MQTT password. */
export async function createGateway(hub: HubProcess, id: string): Promise<string> {
  return (await provisionGateway(hub.apiUrl, hub.token, id)).password;
}

export interface AgentProcess {
  process: RunningProcess;
  statusUrl: string;
  /** The configuration file it runs from. */
  configFile: string;
  health<T = { backlog: { batches: number; readings: number } }>(): Promise<T>;
  /** A counter from the agent's /metrics, summed over its labels. */
  metric(name: string): Promise<number>;
  scrape(): Promise<MetricReader>;
}

/**
 * The V8 settings the agent runs with on a gateway (deploy/systemd/afferent-edge-agent.service):
 * a small young generation and a bounded old one, so memory is measured as deployed.
 */
export const AGENT_NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=96'];

/** Start the compiled agent with a config written from `config`. */
export async function startAgentProcess(dir: string, config: object): Promise<AgentProcess> {
  const file = join(dir, 'agent.yaml');
  writeFileSync(file, stringify(config));
  const process = startProcess('node', [...AGENT_NODE_FLAGS, AGENT_CLI, 'run', '--config', file], { env: DEPLOYED_ENV });
  const [, statusUrl] = await process.waitForLine(/afferent agent ready: .*status (\S+)/);
  return {
    process,
    statusUrl: statusUrl!,
    configFile: file,
    health: async <T>() => (await (await fetch(`${statusUrl}/healthz`)).json()) as T,
    metric: async (name) => metricValue(await (await fetch(`${statusUrl}/metrics`)).text(), name),
    scrape: async () => {
      const text = await (await fetch(`${statusUrl}/metrics`)).text();
      return (name, labels = {}) => metricValue(text, name, labels);
    },
  };
}

/** Rewrite a running agent's configuration file from `config` and ask it to apply it (SIGHUP). */
export function reloadAgentProcess(agent: AgentProcess, config: object): void {
  writeFileSync(agent.configFile, stringify(config));
  agent.process.child.kill('SIGHUP');
}

/** Run a simulator scenario in its own process (`args`: more CLI options, e.g. --pki); resolves with the agent's `devices:` for it. */
export async function startSimulatorProcess(dir: string, scenario: object, args: string[] = []): Promise<{ process: RunningProcess; devices: object[] }> {
  const scenarioFile = join(dir, 'scenario.yaml');
  const devicesFile = join(dir, 'agent-devices.yaml');
  writeFileSync(scenarioFile, stringify(scenario));
  const process = startProcess('node', [SIM_CLI, 'run', scenarioFile, '--agent-devices', devicesFile, ...args]);
  await process.waitForLine(/afferent-sim ready/);
  const { devices } = parse(readFileSync(devicesFile, 'utf8')) as { devices: object[] };
  return { process, devices };
}

export interface FieldStack {
  sim: { process: RunningProcess; devices: object[] };
  hub: HubProcess;
  agent: AgentProcess;
  pids: { agent: number; hub: number; sim: number };
  /** Agent, hub, simulators, in that order. */
  stop(): Promise<void>;
}

export interface FieldStackOptions {
  /** Profile folders for simulators, hub and agent alike. */
  profileDirs: string[];
  /** The simulator scenario (`profileDirs` added) and more CLI options for it. */
  scenario: object;
  simArgs?: string[];
  /** The agent's devices, from what the simulator says. */
  devices(fromSimulator: object[]): object[];
  /** How long data may take to first reach the hub. */
  readyTimeoutMs?: number;
}

/**
 * Simulators → agent (gateway `bench-gw`, provisioned) → hub, each in its
 * own process on loopback, in `dir`; resolves once data reaches the hub.
 * What the benchmarks at load run on.
 */
export async function startFieldStack(dir: string, options: FieldStackOptions): Promise<FieldStack> {
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const one of stops.reverse()) await one();
  };
  try {
    const sim = await startSimulatorProcess(dir, { profileDirs: options.profileDirs, ...options.scenario }, options.simArgs);
    stops.push(() => sim.process.stop());
    const hub = await startHubProcess(join(dir, 'hub'), await hubPorts(), { config: { profileDirs: options.profileDirs } });
    stops.push(() => hub.process.stop());
    const agent = await startAgentProcess(dir, {
      gateway: { id: 'bench-gw' },
      hub: { url: hub.mqttUrl, password: await createGateway(hub, 'bench-gw') },
      dataDir: join(dir, 'agent'),
      profileDirs: options.profileDirs,
      status: { host: '127.0.0.1', port: 0 },
      logLevel: 'warn',
      devices: options.devices(sim.devices),
    });
    stops.push(() => agent.process.stop());
    await waitFor('data at the hub', async () => (await hub.metric('afferent_hub_points_ingested_total')) > 0, options.readyTimeoutMs ?? 30_000);
    return { sim, hub, agent, pids: { agent: agent.process.child.pid!, hub: hub.process.child.pid!, sim: sim.process.child.pid! }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
