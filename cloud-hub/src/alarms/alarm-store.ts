import type { Severity } from '@afferent/device-profiles';
import { migrate } from '../storage/migrations.js';
import { openDatabase, type SqlValue, type SqliteDatabase, type Statement } from '../storage/sqlite.js';
import {
  acknowledge, applyCurrent, applyLate, clearByHand,
  type AlarmRecord, type AutomaticTransition, type Decision, type HistoryEntry, type NewRecord, type RefusedAction,
} from './alarm-lifecycle.js';
import { ALARM_MIGRATIONS } from './alarm-schema.js';

export interface StoredEntry extends HistoryEntry {
  id: number;
  alarmId: number;
}

/** A transition that was stored: the record after it and its history entry. */
export interface Applied {
  record: AlarmRecord;
  entry: StoredEntry;
}

export const ALARM_STATE_FILTERS = ['active', 'cleared', 'unacknowledged', 'acknowledged'] as const;
export type AlarmStateFilter = (typeof ALARM_STATE_FILTERS)[number];

export interface AlarmFilter {
  state?: AlarmStateFilter;
  severity?: Severity;
  device?: string;
  gateway?: string;
  /** Only this tenant's; absent: every alarm (a platform caller). */
  tenant?: string;
  limit: number;
}

const STATE_SQL: Record<AlarmStateFilter, string> = {
  active: 'active = 1',
  cleared: 'active = 0',
  unacknowledged: 'acknowledged = 0',
  acknowledged: 'acknowledged = 1',
};

/** Record field → column: the one place the two namings meet. */
const COLUMNS = {
  device: 'device', gateway: 'gateway', tenant: 'tenant', alarm: 'alarm', severity: 'severity', message: 'message', active: 'active',
  acknowledged: 'acknowledged', firstRaised: 'first_raised', lastRaised: 'last_raised', raiseCount: 'raise_count',
  raisedValues: 'raised_values', clearedAt: 'cleared_at', clearedValues: 'cleared_values', clearedBy: 'cleared_by',
  ackedAt: 'acked_at', ackedBy: 'acked_by', firstT: 'first_t', lastT: 'last_t', updated: 'updated',
} as const satisfies Record<keyof NewRecord, string>;
const FIELDS = Object.keys(COLUMNS) as (keyof NewRecord)[];
const SELECT_RECORD = `SELECT id, ${FIELDS.map((f) => `${COLUMNS[f]} AS "${f}"`).join(', ')} FROM alarms`;

type RecordRow = Omit<AlarmRecord, 'active' | 'acknowledged' | 'raisedValues' | 'clearedValues'> & {
  active: number; acknowledged: number; raisedValues: string | null; clearedValues: string | null;
};
type EntryRow = Omit<StoredEntry, 'values' | 'changed'> & { values: string | null; changed: number };

const json = (text: string | null) => (text === null ? null : (JSON.parse(text) as Record<string, never>));
const text = (value: object | null) => (value === null ? null : JSON.stringify(value));
const toRecord = (r: RecordRow): AlarmRecord => ({
  ...r, active: r.active === 1, acknowledged: r.acknowledged === 1, raisedValues: json(r.raisedValues), clearedValues: json(r.clearedValues),
});
const toEntry = (r: EntryRow): StoredEntry => ({ ...r, values: json(r.values), changed: r.changed === 1 });
const recordParams = (r: NewRecord): Record<string, SqlValue> => ({
  ...r, active: r.active ? 1 : 0, acknowledged: r.acknowledged ? 1 : 0, raisedValues: text(r.raisedValues), clearedValues: text(r.clearedValues),
});

/**
 * alarms.db: alarm records and their history, applying the rules of
 * alarm-lifecycle.ts. It picks the record a transition concerns; the rules
 * decide what happens to it.
 */
export class AlarmStore {
  /** Shared with the alarm ingest ledger, which commits in the same transactions. */
  readonly database: SqliteDatabase;
  private readonly s: Record<'get' | 'newest' | 'spanning' | 'oldest' | 'isReplay' | 'insert' | 'update' | 'addEntry' | 'history'
    | 'activeBySeverity' | 'activeOf', Statement<unknown>>;

  /** `synchronous=FULL`: an alarm batch is acked once this commits, and the agent then deletes it. */
  constructor(path: string) {
    this.database = openDatabase(path, { synchronous: 'FULL' });
    const db = this.database;
    try {
      migrate(db, 'alarms.db', ALARM_MIGRATIONS);
    } catch (error) {
      db.close();
      throw error;
    }
    this.s = {
      get: db.prepare(`${SELECT_RECORD} WHERE id = ?`),
      newest: db.prepare(`${SELECT_RECORD} WHERE device = ? AND alarm = ? ORDER BY id DESC LIMIT 1`),
      spanning: db.prepare(`${SELECT_RECORD} WHERE device = ? AND alarm = ? AND first_t <= ? ORDER BY id DESC LIMIT 1`),
      oldest: db.prepare(`${SELECT_RECORD} WHERE device = ? AND alarm = ? ORDER BY id LIMIT 1`),
      isReplay: db.prepare("SELECT 1 AS one FROM alarm_history WHERE device = ? AND alarm = ? AND event = ? AND t = ? AND source != 'operator'"),
      insert: db.prepare(`INSERT INTO alarms (${FIELDS.map((f) => COLUMNS[f]).join(', ')}) VALUES (${FIELDS.map((f) => `@${f}`).join(', ')})`),
      update: db.prepare(`UPDATE alarms SET ${FIELDS.map((f) => `${COLUMNS[f]} = @${f}`).join(', ')} WHERE id = @id`),
      addEntry: db.prepare(`INSERT INTO alarm_history (alarm_id, device, alarm, event, source, t, received, by, comment, severity, message, alarm_values, changed)
        VALUES (@alarmId, @device, @alarm, @event, @source, @t, @received, @by, @comment, @severity, @message, @values, @changed)`),
      history: db.prepare(`SELECT id, alarm_id AS alarmId, event, source, t, received, by, comment, severity, message, alarm_values AS "values", changed
        FROM alarm_history WHERE alarm_id = ? ORDER BY t, id`),
      activeBySeverity: db.prepare('SELECT severity, count(*) AS n FROM alarms WHERE active = 1 GROUP BY severity'),
      activeOf: db.prepare(`${SELECT_RECORD} WHERE device = ? AND active = 1 ORDER BY id`),
    };
  }

  /** Everything `fn` stores commits together, or not at all if it throws. */
  atomically<T>(fn: () => T): T {
    return this.database.transaction(fn)();
  }

  /**
   * A transition from a gateway's (or the hub's) rules. `replay`: this very
   * transition is already stored. `nothing_to_ack`: an ack of an alarm the hub
   * has never seen. Call inside `atomically` to commit it with other writes.
   */
  applyAutomatic(tr: AutomaticTransition, now = Date.now()): Applied | 'replay' | 'nothing_to_ack' {
    return this.atomically(() => {
      if (this.s.isReplay.get(tr.device, tr.alarm, tr.state, tr.t)) return 'replay';
      const newest = this.record('newest', tr.device, tr.alarm);
      const spanning = () => this.record('spanning', tr.device, tr.alarm, tr.t);
      // An ack concerns the occurrence it was given in, whatever was raised or cleared since.
      if (tr.state === 'acked') {
        const decision = applyCurrent(spanning() ?? newest, tr, now);
        return decision ? this.save(decision) : 'nothing_to_ack';
      }
      if (!newest || tr.t >= newest.lastT) return this.save(applyCurrent(newest, tr, now)!);
      // Late: a record still waiting for its raise takes it; otherwise the newest record that started before it.
      const target = tr.state === 'raised' && newest.firstRaised === null && tr.t < newest.firstT
        ? newest
        : spanning() ?? this.record('oldest', tr.device, tr.alarm)!;
      return this.save(applyLate(target, tr, now));
    });
  }

  /** A person acknowledges, or clears by hand, one record. */
  operate(id: number, action: 'ack' | 'clear', by: string, comment: string | null, now = Date.now()): Applied | RefusedAction | 'not_found' {
    return this.atomically(() => {
      const record = this.get(id);
      if (!record) return 'not_found';
      const decision = (action === 'ack' ? acknowledge : clearByHand)(record, by, comment, now);
      return typeof decision === 'string' ? decision : this.save(decision);
    });
  }

  get(id: number): AlarmRecord | undefined {
    return this.record('get', id);
  }

  /** Newest records first. */
  list(filter: AlarmFilter): AlarmRecord[] {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (filter.state) where.push(STATE_SQL[filter.state]);
    for (const column of ['severity', 'device', 'gateway', 'tenant'] as const) {
      const value = filter[column];
      if (value === undefined) continue;
      where.push(`${column} = ?`);
      params.push(value);
    }
    const sql = `${SELECT_RECORD} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return this.database.prepare<RecordRow>(sql).all(...params, filter.limit).map(toRecord);
  }

  /** Every transition of a record, in time order. */
  history(id: number): StoredEntry[] {
    return (this.s.history.all(id) as EntryRow[]).map(toEntry);
  }

  activeBySeverity(): Map<Severity, number> {
    return new Map((this.s.activeBySeverity.all() as { severity: Severity; n: number }[]).map((r) => [r.severity, r.n]));
  }

  /** Active records of one device. */
  activeOf(device: string): AlarmRecord[] {
    return (this.s.activeOf.all(device) as RecordRow[]).map(toRecord);
  }

  close(): void {
    if (this.database.open) this.database.close();
  }

  private record(statement: 'get' | 'newest' | 'spanning' | 'oldest', ...params: SqlValue[]): AlarmRecord | undefined {
    const row = this.s[statement].get(...params) as RecordRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** Write a decision: the record (new when it has no id yet) and its history entry. */
  private save(decision: Decision<NewRecord & { id?: number }>): Applied {
    const { entry, record } = decision;
    const params = recordParams(record);
    let id = record.id;
    if (id === undefined) id = Number(this.s.insert.run(params).lastInsertRowid);
    else this.s.update.run({ ...params, id });
    const entryId = Number(this.s.addEntry.run({
      alarmId: id, device: record.device, alarm: record.alarm, event: entry.event, source: entry.source, t: entry.t,
      received: entry.received, by: entry.by, comment: entry.comment, severity: entry.severity, message: entry.message,
      values: text(entry.values), changed: entry.changed ? 1 : 0,
    }).lastInsertRowid);
    return { record: { ...record, id }, entry: { ...entry, id: entryId, alarmId: id } };
  }
}
