import type { Aedes, Client } from 'aedes';
import type { EventBus } from '../bus/event-bus.js';
import type { Logger } from '../logging/logger.js';
import type { HubMetrics } from '../metrics/hub-metrics.js';
import type { GatewayRegistry } from '../registry/gateway-registry.js';

/** The gateways' open MQTT connections, which an admin can cut (a disabled gateway, rotated credentials). */
export interface GatewayConnections {
  /** Close every connection of this gateway now; resolves, with how many, once they are closed and the gateway is offline. */
  drop(gateway: string): Promise<number>;
}

/**
 * Connection state from the broker's point of view. A gateway is online while
 * it has at least one open connection (a reconnect can overlap the old
 * connection's close); its status messages refine that, and the will marks it
 * offline after an unclean drop.
 */
export function trackGatewayPresence(broker: Aedes, deps: {
  gatewayOf(client: Client): string | undefined;
  gateways: GatewayRegistry;
  metrics: HubMetrics;
  logger: Logger;
  bus: EventBus;
}): GatewayConnections {
  const connections = new Map<string, Set<Client>>();
  const update = () => deps.metrics.connectedGateways.set(connections.size);
  const setOnline = (gateway: string, online: boolean) => {
    // While the hub shuts down the broker drops every client; the registry may already be closing.
    if (broker.closed) return;
    try {
      deps.gateways.setOnline(gateway, online);
      deps.bus.publish({ type: 'gateway', at: Date.now(), gateway, data: { gateway, online } });
    } catch (error) {
      deps.logger.error({ err: error, gateway }, 'could not record gateway presence');
    }
  };
  broker.on('clientReady', (client) => {
    const gateway = deps.gatewayOf(client);
    if (gateway === undefined) return;
    // Disabled between its password check and now: it must not stay connected.
    if (deps.gateways.get(gateway)?.enabled === false) {
      client.close();
      return;
    }
    const open = connections.get(gateway) ?? new Set();
    connections.set(gateway, open.add(client));
    setOnline(gateway, true);
    deps.logger.info({ gateway, clientId: client.id }, 'gateway connected');
    update();
  });
  broker.on('clientDisconnect', (client) => {
    const gateway = deps.gatewayOf(client);
    const open = gateway === undefined ? undefined : connections.get(gateway);
    if (gateway === undefined || !open?.delete(client)) return;
    if (open.size === 0) {
      connections.delete(gateway);
      setOnline(gateway, false);
    }
    deps.logger.info({ gateway, clientId: client.id }, 'gateway disconnected');
    update();
  });
  return {
    async drop(gateway) {
      const open = [...(connections.get(gateway) ?? [])];
      await Promise.all(open.map((client) => new Promise<void>((resolve) => client.close(() => resolve()))));
      if (open.length > 0) deps.logger.warn({ gateway, connections: open.length }, 'gateway connections closed by the hub');
      return open.length;
    },
  };
}
