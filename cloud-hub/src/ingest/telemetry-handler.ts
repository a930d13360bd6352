import type { Ack } from '@afferent/device-profiles';
import type { Logger } from '../logging/logger.js';
import type { HubMetrics } from '../metrics/hub-metrics.js';
import { createBatchHandler } from './batch-handler.js';
import type { MessageHandler } from './message-handler.js';
import type { TelemetryIngest } from './telemetry-ingest.js';

export interface TelemetryHandlerDeps {
  ingest: TelemetryIngest;
  metrics: HubMetrics;
  logger: Logger;
  ack(gateway: string, ack: Ack): void;
}

/** `v1/gw/{gw}/telemetry`: decode, then hand to ingest; a garbled batch is counted, logged and acked. */
export function createTelemetryHandler(deps: TelemetryHandlerDeps): MessageHandler {
  return createBatchHandler('telemetry', {
    accept: (gateway, batch) => deps.ingest.enqueue(gateway, batch),
    rejected: (reason) => deps.metrics.rejectedBatches.inc({ reason }),
    logger: deps.logger,
    ack: deps.ack,
  });
}
