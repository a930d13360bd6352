import type { PointValue, Severity } from '@afferent/device-profiles';

/**
 * The rules of an alarm record, as pure functions: a record and a transition
 * in, the record after it and the history entry out. Time is always an
 * argument, so the rules are tested with explicit timestamps.
 *
 * One record is one occurrence of an alarm of a device. It is *open* until it
 * is both cleared and acknowledged, and only the newest record of a
 * (device, alarm) can be open.
 *
 * - raise, and no open record: a new record.
 * - raise, and the open record is cleared but not acknowledged (the alarm came
 *   back before anyone looked): the same record, active again, count + 1.
 * - raise while the open record is still active: the edge raised it again
 *   without a clear the hub knows of (its clear is still on its way, or the
 *   agent lost its state). Same record, count + 1, and unacknowledged again,
 *   since this raise is news nobody has seen. An exact replay of a transition
 *   already stored (same device, alarm, state and edge time) is no transition
 *   at all: the store drops it before these rules run.
 * - clear: an active record becomes cleared. A clear for a record that is
 *   not active only joins its history, when it is the edge's own clear of a
 *   record cleared by hand, or the clear of a re-raise still on its way (the
 *   record is still open). Otherwise its raise has not arrived yet: it opens a
 *   record that is cleared with no raise, and the late raise fills it in.
 * - ack: an unacknowledged record becomes acknowledged (409 twice by hand).
 * - manual clear (operator): an active record becomes cleared and remembers
 *   who cleared it. The edge still holds the alarm active; its own clear
 *   later joins the history, and its next raise after that follows the rules
 *   above: the same record again while unacknowledged, else a new one.
 * - late transition: the edge time orders raises and clears. One older than
 *   the newest already applied to its (device, alarm) cannot change the state
 *   (a newer one decided it); it joins the history of the record whose time
 *   span holds it, a raise adds to that record's count and may move its first
 *   raise back, and its entry says `changed: false`.
 */

export type AlarmValues = Record<string, PointValue>;
export type AlarmEventKind = 'raised' | 'cleared' | 'acked' | 'manually_cleared';
/** Who made a transition: the gateway's rules, the hub's own rules, or a person. */
export type TransitionSource = 'edge' | 'hub' | 'operator';

export interface AlarmRecord {
  id: number;
  device: string;
  /** The gateway the device belongs to; null for an alarm of a hub rule. */
  gateway: string | null;
  /** The gateway's tenant, or the hub rule's; null: a hub rule over every tenant. */
  tenant: string | null;
  alarm: string;
  severity: Severity;
  message: string;
  active: boolean;
  acknowledged: boolean;
  /** Edge times of the first and the last raise; null while only a clear is known. */
  firstRaised: number | null;
  lastRaised: number | null;
  raiseCount: number;
  raisedValues: AlarmValues | null;
  clearedAt: number | null;
  clearedValues: AlarmValues | null;
  /** Who cleared it by hand; null when the edge cleared it (or it is active). */
  clearedBy: string | null;
  ackedAt: number | null;
  ackedBy: string | null;
  /** The oldest automatic transition's time: a late transition belongs to the newest record that starts before it. */
  firstT: number;
  /** The newest automatic raise or clear applied to the state: what orders the next one. */
  lastT: number;
  /** Hub time of the last change. */
  updated: number;
}

export interface HistoryEntry {
  event: AlarmEventKind;
  source: TransitionSource;
  /** Edge (or hub-rule) time for automatic transitions, hub time for a person's. */
  t: number;
  /** Hub time it was stored. */
  received: number;
  /** The gateway (edge), the rule (hub) or the token's name (operator). */
  by: string;
  comment: string | null;
  severity: Severity;
  message: string | null;
  values: AlarmValues | null;
  /** Whether it changed the record's state (false: late, or a clear of an alarm already cleared by hand). */
  changed: boolean;
}

/** A transition decided by rules (the gateway's or the hub's), with its own time. */
export interface AutomaticTransition {
  device: string;
  gateway: string | null;
  tenant: string | null;
  alarm: string;
  state: 'raised' | 'cleared' | 'acked';
  t: number;
  severity: Severity;
  message: string;
  values: AlarmValues;
  source: 'edge' | 'hub';
  by: string;
}

export type NewRecord = Omit<AlarmRecord, 'id'>;
/** What a transition does: the record after it (with an id: an update; without: a new record) and its history entry. */
export interface Decision<R extends NewRecord = NewRecord & { id?: number }> {
  record: R;
  entry: HistoryEntry;
}

export const isOpen = (r: AlarmRecord): boolean => r.active || !r.acknowledged;

/** The last raise or clear the rules sent for this record is a raise (even if a person has cleared it since). */
const rulesHoldActive = (r: AlarmRecord): boolean => r.lastRaised !== null && r.lastRaised === r.lastT;

function entryOf(tr: AutomaticTransition, now: number, changed: boolean): HistoryEntry {
  return {
    event: tr.state, source: tr.source, t: tr.t, received: now, by: tr.by, comment: null,
    severity: tr.severity, message: tr.message, values: tr.values, changed,
  };
}

function fresh(tr: AutomaticTransition, now: number): NewRecord {
  const raised = tr.state === 'raised';
  return {
    device: tr.device, gateway: tr.gateway, tenant: tr.tenant, alarm: tr.alarm, severity: tr.severity, message: tr.message,
    active: raised, acknowledged: false,
    firstRaised: raised ? tr.t : null, lastRaised: raised ? tr.t : null, raiseCount: raised ? 1 : 0,
    raisedValues: raised ? tr.values : null,
    clearedAt: raised ? null : tr.t, clearedValues: raised ? null : tr.values, clearedBy: null,
    ackedAt: null, ackedBy: null, firstT: tr.t, lastT: tr.t, updated: now,
  };
}

/**
 * An automatic transition at least as new as everything applied to its
 * (device, alarm) so far. `newest` is that pair's newest record. Undefined:
 * nothing to record (an ack of an alarm the hub has never seen).
 */
export function applyCurrent(newest: AlarmRecord | undefined, tr: AutomaticTransition, now: number): Decision | undefined {
  if (tr.state === 'acked') {
    if (!newest) return undefined;
    if (newest.acknowledged) return { record: newest, entry: entryOf(tr, now, false) };
    return { record: { ...newest, acknowledged: true, ackedAt: tr.t, ackedBy: tr.by, updated: now }, entry: entryOf(tr, now, true) };
  }
  if (tr.state === 'cleared') {
    if (newest?.active) {
      return {
        record: { ...newest, active: false, clearedAt: tr.t, clearedValues: tr.values, clearedBy: null, lastT: tr.t, updated: now },
        entry: entryOf(tr, now, true),
      };
    }
    if (newest && (rulesHoldActive(newest) || isOpen(newest))) {
      return { record: { ...newest, clearedValues: newest.clearedValues ?? tr.values, lastT: tr.t, updated: now }, entry: entryOf(tr, now, false) };
    }
    return { record: fresh(tr, now), entry: entryOf(tr, now, true) };
  }
  if (!newest || !isOpen(newest)) return { record: fresh(tr, now), entry: entryOf(tr, now, true) };
  return {
    record: {
      ...newest, active: true, acknowledged: false, ackedAt: null, ackedBy: null,
      severity: tr.severity, message: tr.message,
      firstRaised: newest.firstRaised ?? tr.t, lastRaised: tr.t, raiseCount: newest.raiseCount + 1, raisedValues: tr.values,
      clearedAt: null, clearedValues: null, clearedBy: null, lastT: tr.t, updated: now,
    },
    entry: entryOf(tr, now, true),
  };
}

/** An automatic transition older than one already applied: history and counts of `target`, never its state. */
export function applyLate(target: AlarmRecord, tr: AutomaticTransition, now: number): Decision<AlarmRecord> {
  const record: AlarmRecord = { ...target, firstT: Math.min(target.firstT, tr.t), updated: now };
  if (tr.state === 'raised') {
    record.raiseCount += 1;
    record.firstRaised = Math.min(target.firstRaised ?? tr.t, tr.t);
    if (target.lastRaised === null || tr.t > target.lastRaised) {
      record.lastRaised = tr.t;
      record.raisedValues = tr.values;
    }
  }
  return { record, entry: entryOf(tr, now, false) };
}

export type RefusedAction = 'already_acknowledged' | 'not_active';

/** A person acknowledges the record. */
export function acknowledge(record: AlarmRecord, by: string, comment: string | null, now: number): Decision<AlarmRecord> | RefusedAction {
  if (record.acknowledged) return 'already_acknowledged';
  return {
    record: { ...record, acknowledged: true, ackedAt: now, ackedBy: by, updated: now },
    entry: { event: 'acked', source: 'operator', t: now, received: now, by, comment, severity: record.severity, message: null, values: null, changed: true },
  };
}

/** A person clears an active record by hand (the edge may still hold it active). */
export function clearByHand(record: AlarmRecord, by: string, comment: string | null, now: number): Decision<AlarmRecord> | RefusedAction {
  if (!record.active) return 'not_active';
  return {
    record: { ...record, active: false, clearedAt: now, clearedValues: null, clearedBy: by, updated: now },
    entry: { event: 'manually_cleared', source: 'operator', t: now, received: now, by, comment, severity: record.severity, message: null, values: null, changed: true },
  };
}
