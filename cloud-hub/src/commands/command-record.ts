import { PointValues } from '@afferent/device-profiles';
import { Type, type Static } from 'typebox';
import { COMMAND_STATUSES } from './command-status.js';

export { COMMAND_STATUSES, type CommandStatus } from './command-status.js';

const Millis = Type.Integer({ description: 'ms since the epoch' });

export const CommandStepSchema = Type.Object({
  status: Type.Enum(COMMAND_STATUSES),
  /** When the hub recorded the step. */
  t: Millis,
  by: Type.String({ description: '"hub", "gateway", or the name of the API token that acted' }),
  error: Type.Optional(Type.String()),
});
export type CommandStep = Static<typeof CommandStepSchema>;

/**
 * A command as the hub keeps it: what was asked, by whom, and every step it
 * went through. The record is the audit entry; the API, the event stream and
 * the operator CLI all show this one shape.
 */
export const CommandRecordSchema = Type.Object({
  id: Type.String(),
  device: Type.String(),
  gateway: Type.String(),
  write: PointValues,
  readback: Type.Boolean({ description: 'whether the gateway reads the points back after writing' }),
  expires: Type.Integer({ description: 'ms since the epoch; never executed after this' }),
  idempotencyKey: Type.Optional(Type.String()),
  status: Type.Enum(COMMAND_STATUSES),
  created: Millis,
  createdBy: Type.String({ description: 'the name of the API token that sent it' }),
  updated: Millis,
  error: Type.Optional(Type.String({ description: 'why it failed, was rejected, expired or timed out' })),
  errorCode: Type.Optional(Type.Union([Type.Integer(), Type.String()], { description: 'the device\'s own error code, e.g. Modbus exception 2' })),
  readbackValues: Type.Optional(PointValues),
  history: Type.Array(CommandStepSchema, { description: 'every step, oldest first' }),
});
export type CommandRecord = Static<typeof CommandRecordSchema>;
