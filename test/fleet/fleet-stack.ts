import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '@afferent/simulators';
import { AFFERENT_CLI, AGENT_CLI, HUB_CLI } from '../../bench/src/stack/stack.js';
import { runNodeProgram, startProcess, type ProgramRun, type RunningProcess } from '@afferent/testkit';

export { AFFERENT_CLI, AGENT_CLI, HUB_CLI };

/**
 * A hub with TLS and agents provisioned against it, all as the compiled CLIs
 * an installation runs (`npx tsc -b` first): `cloud-hub certs generate`,
 * `cloud-hub run` with a `tls` section, `edge-agent provision`, `edge-agent run`.
 */

export const ADMIN_TOKEN = 'fleet-e2e-admin-token-0123456789abcdef';

/** `cloud-hub certs generate` into `dir`: the files and the CA's fingerprint. */
export async function generateCerts(dir: string): Promise<{ ca: string; cert: string; key: string; caPem: string; fingerprint: string }> {
  const run = await runNodeProgram(HUB_CLI, ['certs', 'generate', '--out', dir, '--host', '127.0.0.1', '--host', 'localhost']);
  if (run.code !== 0) throw new Error(`certs generate: ${run.stderr}`);
  const ca = join(dir, 'ca.crt');
  return { ca, cert: join(dir, 'server.crt'), key: join(dir, 'server.key'), caPem: readFileSync(ca, 'utf8'), fingerprint: /fingerprint \(SHA-256\): (\w+)/.exec(run.stdout)![1]! };
}

export interface TlsHub {
  process: RunningProcess;
  apiUrl: string;
  mqttUrl: string;
  ports: { http: number; mqtts: number };
  certs: Awaited<ReturnType<typeof generateCerts>>;
  /** The API as admin, verified with the hub's CA: status and JSON body. */
  api<T = any>(method: string, path: string, body?: object): Promise<{ status: number; body: T }>;
  /** The environment for `afferent` against this hub. */
  cliEnv: Record<string, string>;
  stop(): Promise<void>;
  /** Start it again on the same ports and data folder. */
  restart(): Promise<void>;
}

/** A hub serving HTTPS and MQTT over TLS only, with a CA made for it, on fixed free ports (so a restart keeps them). */
export async function startTlsHub(dir: string): Promise<TlsHub> {
  const certs = await generateCerts(join(dir, 'tls'));
  const ports = { http: await freePort(), mqtts: await freePort() };
  const configFile = join(dir, 'hub.yaml');
  writeFileSync(configFile, stringify({
    tls: { cert: certs.cert, key: certs.key, ca: certs.ca },
    http: { host: '127.0.0.1', port: ports.http },
    mqtt: { host: '127.0.0.1', tlsPort: ports.mqtts },
    dataDir: join(dir, 'hub'),
    logLevel: 'warn',
  }));
  const launch = async () => {
    const process = startProcess('node', [HUB_CLI, 'run', '--config', configFile], { env: { AFFERENT_ADMIN_TOKEN: ADMIN_TOKEN } });
    const [, apiUrl, mqttUrl] = await process.waitForLine(/afferent hub ready: api (https\S+) mqtt (mqtts\S+)/);
    return { process, apiUrl: apiUrl!, mqttUrl: mqttUrl! };
  };
  const hub: TlsHub = {
    ...(await launch()),
    ports,
    certs,
    api: (method, path, body) => httpsJson(`${hub.apiUrl}${path}`, { method, ...(body ? { body } : {}), token: ADMIN_TOKEN, ca: certs.caPem }),
    cliEnv: {},
    stop: () => hub.process.stop().then(() => undefined),
    async restart() {
      Object.assign(hub, await launch());
    },
  };
  hub.cliEnv = { AFFERENT_URL: hub.apiUrl, AFFERENT_TOKEN: ADMIN_TOKEN, AFFERENT_CA: certs.ca };
  return hub;
}

/** JSON (or text, such as /metrics) over HTTPS with a given CA (fetch cannot take one per request). */
export function httpsJson<T>(url: string, options: { method: string; body?: object; token?: string; ca: string }): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const body = options.body ? JSON.stringify(options.body) : undefined;
    const req = request(url, {
      method: options.method,
      ca: options.ca,
      headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      const json = String(response.headers['content-type']).startsWith('application/json');
      response.on('end', () => resolve({ status: response.statusCode!, body: (json ? JSON.parse(text) : text) as T }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `edge-agent provision` for a gateway's folder: credentials in `dir/data`, config `dir/agent.yaml`. */
export function provision(hub: TlsHub, token: string, dir: string): Promise<ProgramRun> {
  return runNodeProgram(AGENT_CLI, ['provision', '--hub', hub.apiUrl, '--token', token, '--config', join(dir, 'agent.yaml'), '--data', join(dir, 'data')]);
}

/** The agent's configuration before provisioning: what a field engineer writes (devices, status port); provisioning adds the rest. */
export function writeDevices(dir: string, devices: object[]): string {
  const path = join(dir, 'agent.yaml');
  writeFileSync(path, stringify({ status: { host: '127.0.0.1', port: 0 }, logLevel: 'info', uplink: { batchLinger: '20ms', ackTimeout: '2s' }, devices }));
  return path;
}

export interface AgentHealth {
  config: number;
  uplink: { connected: boolean };
  backlog: { batches: number; readings: number; dropped: number };
  devices: Record<string, { reachable: boolean }>;
}

export interface AgentRun {
  process: RunningProcess;
  statusUrl: string;
  health(): Promise<AgentHealth>;
}

export async function runAgent(dir: string): Promise<AgentRun> {
  const process = startProcess('node', [AGENT_CLI, 'run', '--config', join(dir, 'agent.yaml')]);
  const [, statusUrl] = await process.waitForLine(/afferent agent ready: .*status (\S+)/);
  return { process, statusUrl: statusUrl!, health: async () => (await (await fetch(`${statusUrl}/healthz`)).json()) as AgentHealth };
}
