import { decodeWire, type Ack, type WirePayload } from '@afferent/device-profiles';
import type { Logger } from '../logging/logger.js';
import type { MessageHandler } from './message-handler.js';

const EPOCH = /^[A-Za-z0-9_-]{8,64}$/;

/** The outbox batches of the wire contract: they carry `{epoch, seq, low}` and are acked. */
export type BatchKind = 'telemetry' | 'alarms';

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

export interface BatchHandlerDeps<K extends BatchKind> {
  /** A batch that matches the contract. */
  accept(gateway: string, batch: WirePayload<K>): void;
  /** Count a batch that does not: `malformed` (not JSON) or `invalid` (breaks the contract). */
  rejected(reason: 'malformed' | 'invalid'): void;
  logger: Logger;
  ack(gateway: string, ack: Ack): void;
}

/** `v1/gw/{gw}/{telemetry|alarms}`: decode, then accept; a garbled batch is counted, logged and acked. */
export function createBatchHandler<K extends BatchKind>(kind: K, deps: BatchHandlerDeps<K>): MessageHandler {
  return (gateway, payload) => {
    const decoded = decodeWire(kind, payload);
    if (decoded.ok) {
      deps.accept(gateway, decoded.value);
      return;
    }
    const reason = decoded.error.startsWith(`${kind}: not JSON`) ? 'malformed' : 'invalid';
    deps.rejected(reason);
    const id = salvageId(payload);
    deps.logger.warn({ gateway, reason, error: decoded.error, bytes: payload.length, ...(id ? { epoch: id.epoch, seq: id.seqs[0] } : {}) },
      id ? `rejected ${kind} batch: it can never be stored, so it is acked and dropped`
        : `rejected ${kind} batch without a usable epoch and seq: it cannot even be acked`);
    if (id) deps.ack(gateway, id);
  };
}
