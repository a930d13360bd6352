import { decodeWire } from '@afferent/device-profiles';
import type { MessageHandler } from '../ingest/message-handler.js';
import type { Logger } from '../logging/logger.js';
import type { HubMetrics } from '../metrics/hub-metrics.js';
import type { DesiredConfigService } from './desired-config-service.js';

/** `v1/gw/{gw}/config-state`: which desired config version a gateway runs, or why it refused one. */
export function createConfigStateHandler(deps: { configs: DesiredConfigService; metrics: HubMetrics; logger: Logger }): MessageHandler {
  return (gateway, payload) => {
    const decoded = decodeWire('config-state', payload);
    if (!decoded.ok) {
      deps.metrics.rejectedMessages.inc({ kind: 'config-state' });
      deps.logger.warn({ gateway, error: decoded.error }, 'rejected config-state message');
      return;
    }
    deps.configs.recordState(gateway, decoded.value);
  };
}
