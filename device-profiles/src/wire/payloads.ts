import { Type, type Static } from 'typebox';
import { DeviceId } from '../common/identifiers.js';
import { DeviceInstanceSchema, LocationSchema } from '../instance/device-instance.js';
import { DeviceProfileSchema, PointName, ProfileName, SEVERITIES } from '../profile/profile-schema.js';
import { PROTOCOLS } from '../profile/profile-schema.js';

/**
 * Payloads of the edge<->hub contract, one schema each; both sides validate
 * with these. Field names of high-volume messages are short on purpose.
 */

const Millis = Type.Integer({ minimum: 0, expected: 'a time in ms since the epoch' });
const Seq = Type.Integer({ minimum: 1 });

export const PointValueSchema = Type.Union([Type.Number(), Type.Boolean(), Type.String()]);
// additionalProperties: false, or a record accepts keys its key pattern refuses.
export const PointValues = Type.Record(PointName, PointValueSchema, { additionalProperties: false });

/**
 * The outbox a batch comes from. It changes only when the agent's data folder
 * is new, so (gateway, epoch, seq) names a batch for ever.
 */
const Epoch = Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' });

/** Fields every batch from the outbox carries for exactly-once delivery. */
const BatchEnvelope = {
  epoch: Epoch,
  seq: Seq,
  /** Lowest seq still unacknowledged in the outbox: the hub may forget the seqs below. */
  low: Type.Optional(Seq),
};

export const ReadingSchema = Type.Object(
  {
    d: DeviceId,
    /** Sample time at the edge, ms. */
    t: Millis,
    v: PointValues,
    /** Quality when not good: uncertain = out of the profile's range. */
    q: Type.Optional(Type.Enum(['uncertain', 'bad'] as const)),
  },
  { additionalProperties: false },
);

export const TelemetryBatchSchema = Type.Object(
  { ...BatchEnvelope, readings: Type.Array(ReadingSchema, { minItems: 1, maxItems: 10_000 }) },
  { additionalProperties: false },
);

export const ALARM_TRANSITIONS = ['raised', 'cleared', 'acked'] as const;

export const AlarmTransitionSchema = Type.Object(
  {
    d: DeviceId,
    alarm: PointName,
    t: Millis,
    state: Type.Enum(ALARM_TRANSITIONS),
    severity: Type.Enum(SEVERITIES),
    message: Type.Optional(Type.String()),
    /** The values that caused the transition. */
    values: Type.Optional(PointValues),
  },
  { additionalProperties: false },
);

export const AlarmBatchSchema = Type.Object(
  { ...BatchEnvelope, alarms: Type.Array(AlarmTransitionSchema, { minItems: 1, maxItems: 10_000 }) },
  { additionalProperties: false },
);

/** Down: these batches are durably stored at the hub; the agent may delete them. */
export const AckSchema = Type.Object(
  { epoch: Epoch, seqs: Type.Array(Seq, { minItems: 1 }) },
  { additionalProperties: false },
);

export const DeviceHealthSchema = Type.Object({
  reachable: Type.Boolean(),
  lastRead: Type.Optional(Millis),
  readErrors: Type.Integer({ minimum: 0 }),
  /** Read errors in the last minute: how bad it is now, where readErrors counts since the agent started. */
  errorsLastMinute: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Median read latency over the last reads, ms. */
  latencyMs: Type.Optional(Type.Number({ minimum: 0 })),
  lastError: Type.Optional(Type.String()),
});

export const BacklogSchema = Type.Object({
  batches: Type.Integer({ minimum: 0 }),
  readings: Type.Integer({ minimum: 0 }),
  bytes: Type.Integer({ minimum: 0 }),
  oldest: Type.Optional(Millis),
  /** Readings dropped over the life of the agent's outbox: by its size/age policy, or because it refused writes. */
  dropped: Type.Optional(Type.Integer({ minimum: 0 })),
});

/** Retained; the broker publishes `{state: "offline"}` as the will. */
export const StatusSchema = Type.Object({
  state: Type.Enum(['online', 'offline'] as const),
  t: Type.Optional(Millis),
  version: Type.Optional(Type.String()),
  backlog: Type.Optional(BacklogSchema),
  devices: Type.Optional(Type.Record(DeviceId, DeviceHealthSchema, { additionalProperties: false })),
});

/** Retained; sent on connect and on every change of the device list. */
export const InventorySchema = Type.Object({
  t: Millis,
  devices: Type.Array(
    Type.Object({
      id: DeviceId,
      profile: ProfileName,
      profileVersion: Type.Integer({ minimum: 1 }),
      protocol: Type.Enum(PROTOCOLS),
      labels: Type.Optional(Type.Record(Type.String(), Type.String())),
      location: Type.Optional(LocationSchema),
    }),
  ),
});

export const CommandSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  device: DeviceId,
  write: Type.Record(PointName, PointValueSchema, { minProperties: 1, additionalProperties: false }),
  /** Never execute after this time (ms). */
  expires: Millis,
  readback: Type.Boolean(),
});

export const COMMAND_OUTCOMES = ['delivered', 'succeeded', 'failed', 'rejected', 'expired'] as const;

export const CommandResultSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  status: Type.Enum(COMMAND_OUTCOMES),
  t: Millis,
  error: Type.Optional(Type.String()),
  /** The device's own error code when it refused the write, e.g. Modbus exception 2. */
  code: Type.Optional(Type.Union([Type.Integer(), Type.String({ maxLength: 64 })])),
  /** Values read back after the write. */
  readback: Type.Optional(PointValues),
});

/** Down, retained: the desired configuration of a gateway. */
export const DesiredConfigSchema = Type.Object({
  /** Increases with every change at the hub. */
  version: Type.Integer({ minimum: 1 }),
  /** Templates already expanded: every device as it runs. */
  devices: Type.Array(DeviceInstanceSchema),
  /** The profiles the devices use, so the agent needs no other source. */
  profiles: Type.Array(DeviceProfileSchema),
});

/** Up: the configuration the agent runs, or why it refused one (it keeps running the previous one then). */
export const ConfigStateSchema = Type.Object({
  /** The version applied or refused; 0: the devices of the agent's own configuration file. */
  version: Type.Integer({ minimum: 0 }),
  state: Type.Enum(['applied', 'rejected'] as const),
  t: Millis,
  error: Type.Optional(Type.String()),
});

export type Reading = Static<typeof ReadingSchema>;
export type TelemetryBatch = Static<typeof TelemetryBatchSchema>;
export type AlarmTransition = Static<typeof AlarmTransitionSchema>;
export type AlarmBatch = Static<typeof AlarmBatchSchema>;
export type Ack = Static<typeof AckSchema>;
export type DeviceHealth = Static<typeof DeviceHealthSchema>;
export type Backlog = Static<typeof BacklogSchema>;
export type GatewayStatus = Static<typeof StatusSchema>;
export type Inventory = Static<typeof InventorySchema>;
export type Command = Static<typeof CommandSchema>;
export type CommandResult = Static<typeof CommandResultSchema>;
export type DesiredConfig = Static<typeof DesiredConfigSchema>;
export type ConfigState = Static<typeof ConfigStateSchema>;
