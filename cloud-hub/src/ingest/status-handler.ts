import { decodeWire } from '@afferent/device-profiles';
import type { Logger } from '../logging/logger.js';
import type { HubMetrics } from '../metrics/hub-metrics.js';
import type { GatewayRegistry } from '../registry/gateway-registry.js';
import type { MessageHandler } from './message-handler.js';

export interface StatusHandlerDeps {
  gateways: GatewayRegistry;
  metrics: HubMetrics;
  logger: Logger;
}

/**
 * `v1/gw/{gw}/status` (retained; the broker publishes the will
 * `{"state":"offline"}` when the connection drops): online state, version,
 * backlog and per-device health.
 */
export function createStatusHandler(deps: StatusHandlerDeps): MessageHandler {
  return (gateway, payload) => {
    const decoded = decodeWire('status', payload);
    if (!decoded.ok) {
      deps.metrics.rejectedMessages.inc({ kind: 'status' });
      deps.logger.warn({ gateway, error: decoded.error }, 'rejected status message');
      return;
    }
    if (!deps.gateways.recordStatus(gateway, decoded.value)) {
      deps.logger.warn({ gateway }, 'status from a gateway that is not registered (deleted while connected?)');
    }
  };
}
