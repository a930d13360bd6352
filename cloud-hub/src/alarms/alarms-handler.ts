import type { Ack, AlarmBatch } from '@afferent/device-profiles';
import { createBatchHandler } from '../ingest/batch-handler.js';
import type { MessageHandler } from '../ingest/message-handler.js';
import type { Logger } from '../logging/logger.js';
import type { AlarmMetrics } from './alarm-metrics.js';

export interface AlarmsHandlerDeps {
  ingest(gateway: string, batch: AlarmBatch): void;
  metrics: AlarmMetrics;
  logger: Logger;
  ack(gateway: string, ack: Ack): void;
}

/** `v1/gw/{gw}/alarms`: decode, then ingest; a garbled batch is counted, logged and acked, as for telemetry. */
export function createAlarmsHandler(deps: AlarmsHandlerDeps): MessageHandler {
  return createBatchHandler('alarms', {
    accept: deps.ingest,
    rejected: (reason) => deps.metrics.batches.inc({ outcome: reason }),
    logger: deps.logger,
    ack: deps.ack,
  });
}
