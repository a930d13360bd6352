import { decodeWire, type Ack } from '@afferent/device-profiles';
import type { Logger } from '../logging/logger.js';
import type { HubMetrics } from '../metrics/hub-metrics.js';
import type { MessageHandler } from './message-handler.js';
import type { TelemetryIngest } from './telemetry-ingest.js';

const EPOCH = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * The batch id of a payload that failed the contract, when it still has one.
 * Such a batch can never be stored, however often it is sent, so it is acked:
 * otherwise it would sit at the head of the agent's outbox for ever.
 */
function salvageId(payload: Buffer): Ack | undefined {
  try {
    const value = JSON.parse(payload.toString('utf8')) as { epoch?: unknown; seq?: unknown };
    if (typeof value === 'object' && value !== null && typeof value.epoch === 'string' && EPOCH.test(value.epoch)
      && Number.isInteger(value.seq) && (value.seq as number) >= 1) {
      return { epoch: value.epoch, seqs: [value.seq as number] };
    }
  } catch {
    // not JSON: nothing to salvage
  }
  return undefined;
}

export interface TelemetryHandlerDeps {
  ingest: TelemetryIngest;
  metrics: HubMetrics;
  logger: Logger;
  ack(gateway: string, ack: Ack): void;
}

/** `v1/gw/{gw}/telemetry`: decode, then hand to ingest; a garbled batch is counted, logged and acked. */
export function createTelemetryHandler(deps: TelemetryHandlerDeps): MessageHandler {
  return (gateway, payload) => {
    const decoded = decodeWire('telemetry', payload);
    if (decoded.ok) {
      deps.ingest.enqueue(gateway, decoded.value);
      return;
    }
    const reason = decoded.error.startsWith('telemetry: not JSON') ? 'malformed' : 'invalid';
    deps.metrics.rejectedBatches.inc({ reason });
    const id = salvageId(payload);
    deps.logger.warn({ gateway, reason, error: decoded.error, bytes: payload.length, ...(id ? { epoch: id.epoch, seq: id.seqs[0] } : {}) },
      id ? 'rejected telemetry batch: it can never be stored, so it is acked and dropped'
        : 'rejected telemetry batch without a usable epoch and seq: it cannot even be acked');
    if (id) deps.ack(gateway, id);
  };
}
