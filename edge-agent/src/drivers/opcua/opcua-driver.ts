import type { Logger } from 'pino';
import { DEVICE_DEFAULTS, parseDuration, type OpcuaConnection } from '@afferent/device-profiles';
import { connectionPassword } from '../connection-password.js';
import type { DeviceTarget, Driver } from '../driver.js';
import { OpcuaEndpoint } from './opcua-endpoint.js';
import type { LinkSettings } from './opcua-link.js';
import { AgentPki } from './opcua-pki.js';
import { OpcuaSession } from './opcua-session.js';
import { routeStackLogs } from './opcua-stack-log.js';

export const OPCUA_DEFAULT_TIMEOUT_MS = 5000;

export interface OpcuaDriver extends Driver {
  /** Subscriptions and monitored items in force across every endpoint (diagnostics). */
  subscriptionStats(): { subscriptions: number; items: number };
}

export interface OpcuaDriverOptions {
  /** The agent's data folder: its PKI lives in `dataDir/pki`. */
  dataDir: string;
  log?: Logger;
}

/**
 * The OPC UA driver. Devices on the same endpoint with the same security
 * and user share one client, session and set of subscriptions.
 */
export function createOpcuaDriver(options: OpcuaDriverOptions): OpcuaDriver {
  if (options.log) routeStackLogs(options.log);
  const pki = new AgentPki(options.dataDir);
  const endpoints = new Map<string, { endpoint: OpcuaEndpoint; sessions: number }>();

  const acquire = (settings: LinkSettings): { key: string; endpoint: OpcuaEndpoint } => {
    const key = JSON.stringify(settings);
    let entry = endpoints.get(key);
    if (!entry) endpoints.set(key, (entry = { endpoint: new OpcuaEndpoint(settings, pki, options.log), sessions: 0 }));
    entry.sessions++;
    return { key, endpoint: entry.endpoint };
  };
  const release = async (key: string): Promise<void> => {
    const entry = endpoints.get(key);
    if (!entry || --entry.sessions > 0) return;
    endpoints.delete(key);
    await entry.endpoint.close();
  };

  return {
    protocol: 'opcua',
    open(target: DeviceTarget) {
      const { key, endpoint } = acquire(linkSettings(target));
      let released = false;
      const interval = parseDuration(target.instance.interval ?? DEVICE_DEFAULTS.interval);
      return new OpcuaSession(target, endpoint, interval, async () => {
        if (released) return;
        released = true;
        await release(key);
      });
    },
    subscriptionStats() {
      const stats = [...endpoints.values()].map((entry) => entry.endpoint.pool.stats);
      return { subscriptions: stats.reduce((n, s) => n + s.subscriptions, 0), items: stats.reduce((n, s) => n + s.items, 0) };
    },
    async close() {
      const all = [...endpoints.values()];
      endpoints.clear();
      await Promise.all(all.map((entry) => entry.endpoint.close()));
      await pki.dispose();
    },
  };
}

function linkSettings(target: DeviceTarget): LinkSettings {
  const connection = target.instance.connection as OpcuaConnection;
  const securityMode = connection.securityMode ?? 'None';
  const password = connectionPassword(connection, target.instance.id);
  return {
    url: connection.url,
    securityMode,
    securityPolicy: connection.securityPolicy ?? (securityMode === 'None' ? 'None' : 'Basic256Sha256'),
    ...(connection.username !== undefined && { user: { username: connection.username, password: password ?? '' } }),
    timeoutMs: connection.timeout ? parseDuration(connection.timeout) : OPCUA_DEFAULT_TIMEOUT_MS,
    acceptUnknownCertificate: connection.acceptUnknownCertificate ?? false,
  };
}
