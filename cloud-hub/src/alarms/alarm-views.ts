import { PointValues, SEVERITIES } from '@afferent/device-profiles';
import { Type, type Static, type TSchema } from 'typebox';
import type { AlarmRecord } from './alarm-lifecycle.js';
import type { StoredEntry } from './alarm-store.js';

/** The API (and event) shapes of alarm records and their transitions: schemas and the functions that make them. */

const Millis = Type.Integer({ description: 'ms since the epoch' });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const AlarmSchema = Type.Object({
  id: Type.Integer(),
  device: Type.String(),
  gateway: Nullable(Type.String({ description: 'null for an alarm of a hub rule' })),
  tenant: Nullable(Type.String({ description: 'the gateway\'s tenant, or the hub rule\'s; null: a hub rule over every tenant (platform tokens only)' })),
  alarm: Type.String(),
  severity: Type.Enum(SEVERITIES),
  message: Type.String(),
  state: Type.Enum(['active', 'cleared'] as const),
  acknowledged: Type.Boolean(),
  firstRaised: Nullable(Type.Integer({ description: 'edge time of the first raise (null while only a clear is known)' })),
  lastRaised: Nullable(Type.Integer({ description: 'edge time of the latest raise' })),
  raiseCount: Type.Integer({ description: 'raises in this record: it is raised again while unacknowledged instead of opening a new one' }),
  raisedValues: Nullable(PointValues),
  clearedAt: Nullable(Type.Integer({ description: 'edge time of the clear, or hub time of a manual clear' })),
  clearedValues: Nullable(PointValues),
  clearedBy: Nullable(Type.String({ description: 'who cleared it by hand; null when its rules cleared it' })),
  ackedAt: Nullable(Millis),
  ackedBy: Nullable(Type.String()),
  updated: Type.Integer({ description: 'hub time of the last change' }),
});
export type AlarmView = Static<typeof AlarmSchema>;

export const AlarmTransitionSchema = Type.Object({
  id: Type.Integer(),
  event: Type.Enum(['raised', 'cleared', 'acked', 'manually_cleared'] as const),
  source: Type.Enum(['edge', 'hub', 'operator'] as const, { description: 'a gateway\'s rules, a hub rule, or a person' }),
  t: Type.Integer({ description: 'edge (or hub rule) time; hub time for a person\'s action' }),
  received: Type.Integer({ description: 'hub time it was stored' }),
  by: Type.String({ description: 'the gateway, the hub rule, or the API token\'s name' }),
  comment: Nullable(Type.String()),
  severity: Type.Enum(SEVERITIES),
  message: Nullable(Type.String()),
  values: Nullable(PointValues),
  changed: Type.Boolean({ description: 'false when it only joined the history: older than a transition already applied, or the edge\'s clear of an alarm cleared by hand' }),
});
export type AlarmTransitionView = Static<typeof AlarmTransitionSchema>;

export function alarmView(r: AlarmRecord): AlarmView {
  return {
    id: r.id, device: r.device, gateway: r.gateway, tenant: r.tenant, alarm: r.alarm, severity: r.severity, message: r.message,
    state: r.active ? 'active' : 'cleared', acknowledged: r.acknowledged,
    firstRaised: r.firstRaised, lastRaised: r.lastRaised, raiseCount: r.raiseCount, raisedValues: r.raisedValues,
    clearedAt: r.clearedAt, clearedValues: r.clearedValues, clearedBy: r.clearedBy, ackedAt: r.ackedAt, ackedBy: r.ackedBy,
    updated: r.updated,
  };
}

export function transitionView(e: StoredEntry): AlarmTransitionView {
  return {
    id: e.id, event: e.event, source: e.source, t: e.t, received: e.received, by: e.by, comment: e.comment,
    severity: e.severity, message: e.message, values: e.values, changed: e.changed,
  };
}
