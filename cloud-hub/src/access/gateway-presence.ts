import type { Aedes, Client } from 'aedes';
import type { EventBus } from '../bus/event-bus.js';
import type { Logger } from '../logging/logger.js';
import type { HubMetrics } from '../metrics/hub-metrics.js';
import type { GatewayRegistry } from '../registry/gateway-registry.js';

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
}): void {
  const connections = new Map<string, number>();
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
    connections.set(gateway, (connections.get(gateway) ?? 0) + 1);
    setOnline(gateway, true);
    deps.logger.info({ gateway, clientId: client.id }, 'gateway connected');
    update();
  });
  broker.on('clientDisconnect', (client) => {
    const gateway = deps.gatewayOf(client);
    if (gateway === undefined) return;
    const left = (connections.get(gateway) ?? 1) - 1;
    if (left > 0) connections.set(gateway, left);
    else {
      connections.delete(gateway);
      setOnline(gateway, false);
    }
    deps.logger.info({ gateway, clientId: client.id }, 'gateway disconnected');
    update();
  });
}
