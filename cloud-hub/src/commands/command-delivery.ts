import { encodeWire, gatewayTopic, type Command } from '@afferent/device-profiles';
import type { Aedes, Client } from 'aedes';
import type { Logger } from '../logging/logger.js';

/**
 * Which gateways listen for commands: those with a connection subscribed to
 * their `cmd` topic. Agents connect with clean sessions, so a command
 * published before the agent has subscribed would be lost; the hub waits for
 * the subscription (aedes emits `subscribe` once it is in place) and then
 * sends what is pending.
 */
export function trackCommandListeners(broker: Aedes, deps: {
  gatewayOf(client: Client): string | undefined;
  /** A connection of this gateway has just subscribed to its commands. */
  listening(gateway: string): void;
  logger: Logger;
}): { isListening(gateway: string): boolean } {
  const listeners = new Map<string, Set<Client>>();
  const forget = (gateway: string, client: Client) => {
    const clients = listeners.get(gateway);
    clients?.delete(client);
    if (clients?.size === 0) listeners.delete(gateway);
  };
  broker.on('subscribe', (subscriptions, client) => {
    const gateway = deps.gatewayOf(client);
    if (gateway === undefined) return;
    const topic = gatewayTopic(gateway, 'cmd');
    // A refused subscription is granted QoS 128.
    if (!subscriptions.some((s) => s.topic === topic && (s.qos as number) !== 128)) return;
    let clients = listeners.get(gateway);
    if (!clients) listeners.set(gateway, (clients = new Set()));
    clients.add(client);
    try {
      deps.listening(gateway);
    } catch (error) {
      deps.logger.error({ err: error, gateway }, 'could not send pending commands');
    }
  });
  broker.on('unsubscribe', (topics, client) => {
    const gateway = deps.gatewayOf(client);
    if (gateway !== undefined && topics.includes(gatewayTopic(gateway, 'cmd'))) forget(gateway, client);
  });
  broker.on('clientDisconnect', (client) => {
    const gateway = deps.gatewayOf(client);
    if (gateway !== undefined) forget(gateway, client);
  });
  return { isListening: (gateway) => (listeners.get(gateway)?.size ?? 0) > 0 };
}

/** QoS 1 on `v1/gw/{gw}/cmd`. A command lost with the link is sent again when the gateway listens again. */
export function publishCommand(broker: Aedes, gateway: string, command: Command, logger: Logger): void {
  if (broker.closed) return;
  broker.publish(
    { cmd: 'publish', topic: gatewayTopic(gateway, 'cmd'), payload: encodeWire('cmd', command), qos: 1, retain: false, dup: false },
    (error) => {
      if (error) logger.error({ err: error, gateway, command: command.id }, 'could not publish command');
    },
  );
}
