import { DEVICE_DEFAULTS, parseDuration, type CoapConnection } from '@afferent/device-profiles';
import type { DeviceTarget, Driver } from '../driver.js';
import { CoapClient } from './coap-client.js';
import { CoapSession } from './coap-session.js';

export const COAP_DEFAULT_TIMEOUT_MS = 5000;

/**
 * The CoAP driver: one UDP endpoint shared by every device. CoAP has no
 * connection to lose; a device that stops answering times out, and its
 * observations register again by themselves.
 */
export function createCoapDriver(): Driver {
  let client: CoapClient | undefined;
  const sessions = new Set<CoapSession>();
  return {
    protocol: 'coap',
    open(target: DeviceTarget) {
      const connection = target.instance.connection as CoapConnection;
      const session = new CoapSession(target, (client ??= new CoapClient()), {
        url: new URL(connection.url),
        timeoutMs: connection.timeout ? parseDuration(connection.timeout) : COAP_DEFAULT_TIMEOUT_MS,
        refreshMs: parseDuration(target.instance.heartbeat ?? DEVICE_DEFAULTS.heartbeat),
      });
      sessions.add(session);
      return session;
    },
    async close() {
      await Promise.all([...sessions].map((s) => s.close()));
      sessions.clear();
      client?.close();
      client = undefined;
    },
  };
}
