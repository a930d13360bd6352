import { isValidId } from '@afferent/device-profiles';
import type { AedesOptions, AuthenticateError, AuthErrorCode, Client } from 'aedes';
import type { Logger } from '../logging/logger.js';
import type { HubMetrics } from '../metrics/hub-metrics.js';
import type { GatewayRegistry } from '../registry/gateway-registry.js';
import { mayPublish, maySubscribe } from './topic-rules.js';

type RefusalReason = 'anonymous' | 'unknown_gateway' | 'wrong_password' | 'disabled' | 'will_topic' | 'error';

// CONNACK return codes of MQTT 3.1.1 (aedes types them as a const enum, which isolatedModules cannot read).
const BAD_USERNAME_OR_PASSWORD = 4 as AuthErrorCode;
const NOT_AUTHORIZED = 5 as AuthErrorCode;

const CODES: Record<RefusalReason, AuthErrorCode> = {
  anonymous: NOT_AUTHORIZED,
  unknown_gateway: BAD_USERNAME_OR_PASSWORD,
  wrong_password: BAD_USERNAME_OR_PASSWORD,
  disabled: NOT_AUTHORIZED,
  will_topic: NOT_AUTHORIZED,
  error: NOT_AUTHORIZED,
};

export interface MqttAuthDeps {
  gateways: GatewayRegistry;
  metrics: HubMetrics;
  logger: Logger;
}

export type MqttAuth = Required<Pick<AedesOptions, 'preConnect' | 'authenticate' | 'authorizePublish' | 'authorizeSubscribe'>> & {
  /** The gateway an authenticated client connected as. */
  gatewayOf(client: Client): string | undefined;
};

/** Usernames, client ids and topics are attacker-controlled: log a bounded piece (pino escapes the rest). */
function printable(text: string | undefined): string | undefined {
  return text === undefined ? undefined : text.slice(0, 128);
}

/**
 * aedes handlers. Username = gateway id, password = the secret issued when the
 * gateway was created. The will is checked twice: at CONNECT (a will outside
 * the gateway's own topics refuses the connection, so a misconfigured agent is
 * told at once) and again by aedes itself, which runs `authorizePublish` on
 * the will when it publishes it after an unclean disconnect.
 */
export function createMqttAuth(deps: MqttAuthDeps): MqttAuth {
  const identities = new WeakMap<Client, string>();
  const wills = new WeakMap<Client, string>();
  const { logger, metrics } = deps;

  const refuse = (client: Client, reason: RefusalReason, username: string | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void) => {
    metrics.refusedConnections.inc({ reason });
    logger.warn({ reason, username: printable(username), clientId: printable(client.id), remote: remoteOf(client) },
      'refused MQTT connection');
    const error = Object.assign(new Error(`connection refused: ${reason}`), { returnCode: CODES[reason] });
    done(error, false);
  };

  return {
    preConnect(client, packet, done) {
      // aedes hands the CONNECT packet only to preConnect; remember the will topic for authenticate.
      if (packet.will) wills.set(client, packet.will.topic);
      done(null, true);
    },

    authenticate(client, username, password, done) {
      if (!username) return refuse(client, 'anonymous', username, done);
      if (!isValidId(username) || !password) return refuse(client, 'unknown_gateway', username, done);
      deps.gateways.checkPassword(username, password.toString('utf8')).then((check) => {
        if (check === 'unknown') return refuse(client, 'unknown_gateway', username, done);
        if (check === 'wrong') return refuse(client, 'wrong_password', username, done);
        if (check === 'disabled') return refuse(client, 'disabled', username, done);
        const will = wills.get(client);
        if (will !== undefined && !mayPublish(username, will)) return refuse(client, 'will_topic', username, done);
        identities.set(client, username);
        done(null, true);
      }, (error: unknown) => {
        logger.error({ err: error, username: printable(username) }, 'could not check MQTT credentials');
        refuse(client, 'error', username, done);
      });
    },

    authorizePublish(client, packet, done) {
      const gateway = client ? identities.get(client) : undefined;
      if (gateway !== undefined && mayPublish(gateway, packet.topic)) return done(null);
      metrics.refusedPublishes.inc();
      logger.warn({ gateway, topic: printable(packet.topic), clientId: client ? printable(client.id) : undefined },
        'refused MQTT publish outside the gateway\'s own topics (aedes closes the connection; a will is not published)');
      done(new Error(`not allowed to publish to ${packet.topic}`));
    },

    authorizeSubscribe(client, subscription, done) {
      const gateway = identities.get(client);
      if (gateway !== undefined && maySubscribe(gateway, subscription.topic)) return done(null, subscription);
      metrics.refusedSubscriptions.inc();
      logger.warn({ gateway, topic: printable(subscription.topic) }, 'refused MQTT subscription (granted QoS 128)');
      // null (not an error) answers SUBACK 0x80 and keeps the connection.
      done(null, null);
    },

    gatewayOf: (client) => identities.get(client),
  };
}

function remoteOf(client: Client): string | undefined {
  const conn = client.conn as { remoteAddress?: string; remotePort?: number };
  return conn.remoteAddress ? `${conn.remoteAddress}:${conn.remotePort}` : undefined;
}
