import type { Logger } from 'pino';
import { DEVICE_DEFAULTS, parseDuration, type MqttConnection } from '@afferent/device-profiles';
import { connectionPassword } from '../connection-password.js';
import type { DeviceTarget, Driver } from '../driver.js';
import { BrokerClient, type BrokerSettings } from './mqtt-broker-client.js';
import { MqttSession } from './mqtt-session.js';

/** A device's `interval` is how often it publishes: silent for this many intervals, it is stale. */
export const STALE_AFTER_INTERVALS = 3;
/** …but never sooner than this. */
export const MIN_STALE_MS = 1000;
const FIRST_MESSAGE_WAIT_MS = 5000;

export interface MqttDriver extends Driver {
  /** Each broker connection and whether it is up (diagnostics, tests). */
  brokers(): { url: string; connected: boolean }[];
}

/**
 * The MQTT southbound driver: devices publish to a site broker; the agent
 * is one client per broker URL and credentials, shared by the devices on it.
 */
export function createMqttDriver(options: { log?: Logger } = {}): MqttDriver {
  const brokers = new Map<string, { client: BrokerClient; sessions: number }>();
  const acquire = (settings: BrokerSettings): { key: string; client: BrokerClient } => {
    const key = JSON.stringify(settings);
    let entry = brokers.get(key);
    if (!entry) brokers.set(key, (entry = { client: new BrokerClient(settings, options.log), sessions: 0 }));
    entry.sessions++;
    return { key, client: entry.client };
  };
  const release = async (key: string) => {
    const entry = brokers.get(key);
    if (!entry || --entry.sessions > 0) return;
    brokers.delete(key);
    await entry.client.close();
  };
  const sessions = new Set<MqttSession>();

  return {
    protocol: 'mqtt',
    open(target: DeviceTarget) {
      const connection = target.instance.connection as MqttConnection;
      const password = connectionPassword(connection, target.instance.id);
      const { key, client } = acquire({
        url: connection.url,
        ...(connection.username !== undefined && { username: connection.username }),
        ...(password !== undefined && { password }),
      });
      const interval = parseDuration(target.instance.interval ?? DEVICE_DEFAULTS.interval);
      const session = new MqttSession(target, client, {
        staleAfterMs: Math.max(MIN_STALE_MS, STALE_AFTER_INTERVALS * interval),
        firstMessageWaitMs: FIRST_MESSAGE_WAIT_MS,
      }, async () => {
        sessions.delete(session);
        await release(key);
      });
      sessions.add(session);
      return session;
    },
    brokers: () => [...brokers.values()].map(({ client }) => ({ url: client.settings.url, connected: client.connected })),
    async close() {
      await Promise.all([...sessions].map((session) => session.close()));
      await Promise.all([...brokers.values()].map((entry) => entry.client.close()));
      brokers.clear();
    },
  };
}
