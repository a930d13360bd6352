import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { ActiveAlarms, Backlog, DeviceHealth } from '@afferent/device-profiles';
import type { AgentMetrics } from './agent-metrics.js';

/** `GET /healthz`: the agent is running; the rest says how well. */
export interface HealthReport {
  ok: boolean;
  gateway: string;
  version: string;
  /** The config version running: a pushed one, or 0 for the configuration file's devices. */
  config: number;
  uplink: { connected: boolean; unacknowledged: number };
  backlog: Backlog;
  devices: Record<string, DeviceHealth>;
  /** Active alarms by device. */
  alarms: Record<string, ActiveAlarms>;
}

export interface StatusServerOptions {
  host: string;
  /** 0 picks a free port; the URL says which. */
  port: number;
  metrics: AgentMetrics;
  health(): HealthReport;
  log?: Logger;
}

export interface StatusServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The local status endpoint: `/healthz` (JSON) and `/metrics` (Prometheus
 * text). On loopback by default: it is for the gateway's own supervisor and
 * a local Prometheus, not for the world.
 */
export async function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(options.health()));
    } else if (path === '/metrics') {
      options.metrics.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': options.metrics.registry.contentType }).end(text),
        (error: Error) => {
          options.log?.error({ err: error.message }, 'collecting metrics failed');
          response.writeHead(500).end();
        },
      );
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /healthz or /metrics\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
