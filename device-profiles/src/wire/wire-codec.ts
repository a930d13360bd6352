import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { formatProblem } from '../validation/problem.js';
import { checkSchema } from '../validation/schema-check.js';
import {
  AckSchema, AlarmBatchSchema, CommandResultSchema, CommandSchema, ConfigStateSchema,
  DesiredConfigSchema, InventorySchema, StatusSchema, TelemetryBatchSchema,
} from './payloads.js';
import type { TopicKind } from './topics.js';

/** The payload schema of every wire topic: the contract in one table. */
export const WIRE_SCHEMAS = {
  telemetry: TelemetryBatchSchema,
  alarms: AlarmBatchSchema,
  status: StatusSchema,
  inventory: InventorySchema,
  'cmd-result': CommandResultSchema,
  'config-state': ConfigStateSchema,
  ack: AckSchema,
  cmd: CommandSchema,
  config: DesiredConfigSchema,
} as const satisfies Record<TopicKind, TSchema>;

export type WirePayload<K extends TopicKind> = Static<(typeof WIRE_SCHEMAS)[K]>;

type Validator = { Check(value: unknown): boolean };
const compiled = new Map<TopicKind, Validator>();
function validator(kind: TopicKind): Validator {
  let v = compiled.get(kind);
  if (!v) compiled.set(kind, (v = Compile(WIRE_SCHEMAS[kind] as TSchema) as Validator));
  return v;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

/** Parse and validate a payload; never throws. The error names the field that is wrong. */
export function decodeWire<K extends TopicKind>(kind: K, payload: Uint8Array | string): Decoded<WirePayload<K>> {
  let value: unknown;
  try {
    value = JSON.parse(typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8'));
  } catch (error) {
    return { ok: false, error: `${kind}: not JSON (${(error as Error).message})` };
  }
  if (validator(kind).Check(value)) return { ok: true, value: value as WirePayload<K> };
  const problems = checkSchema(WIRE_SCHEMAS[kind], value).slice(0, 3).map(formatProblem);
  return { ok: false, error: `${kind}: ${problems.join('; ') || 'does not match the contract'}` };
}

export function encodeWire<K extends TopicKind>(_kind: K, value: WirePayload<K>): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** What every outbox batch carries besides its items. */
export interface BatchEnvelope {
  epoch: string;
  seq: number;
  low?: number;
}

/**
 * A telemetry or alarm batch from items that are already JSON (the agent's
 * outbox stores them so): spliced, not parsed and stringified again on the
 * hot path. The result is exactly `encodeWire` of the same batch.
 */
export function encodeStoredBatch(kind: 'telemetry' | 'alarms', envelope: BatchEnvelope, itemsJson: string): Buffer {
  const field = kind === 'telemetry' ? 'readings' : 'alarms';
  return Buffer.from(`${JSON.stringify(envelope).slice(0, -1)},"${field}":${itemsJson}}`);
}
