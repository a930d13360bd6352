import { decodeWire } from '@afferent/device-profiles';
import type { MessageHandler } from '../ingest/message-handler.js';
import type { Logger } from '../logging/logger.js';
import type { HubMetrics } from '../metrics/hub-metrics.js';
import type { CommandService } from './command-service.js';

/** `v1/gw/{gw}/cmd-result`: a command's progress and outcome. Garbage is counted and logged, never thrown. */
export function createCommandResultHandler(deps: { commands: CommandService; metrics: HubMetrics; logger: Logger }): MessageHandler {
  return (gateway, payload) => {
    const decoded = decodeWire('cmd-result', payload);
    if (!decoded.ok) {
      deps.metrics.rejectedMessages.inc({ kind: 'cmd-result' });
      deps.logger.warn({ gateway, error: decoded.error }, 'rejected command result');
      return;
    }
    deps.commands.report(gateway, decoded.value);
  };
}
