import type Database from 'better-sqlite3';
import type { ActiveAlarms, AlarmTransition } from '@afferent/device-profiles';

/**
 * Which alarms are active, kept in the outbox database and written in the
 * same transaction as the transitions that change it: after a crash the
 * agent neither forgets an active alarm nor raises it a second time, and a
 * transition is never stored without the state it implies (or the reverse).
 */
export class AlarmStateTable {
  private readonly upsert: Database.Statement<[string, string, number, string]>;
  private readonly remove: Database.Statement<[string, string]>;
  private readonly all: Database.Statement<[], { device: string; alarm: string; since: number; alarm_values: string }>;

  constructor(db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS alarm_state (
      device TEXT NOT NULL, alarm TEXT NOT NULL, since INTEGER NOT NULL, alarm_values TEXT NOT NULL,
      PRIMARY KEY (device, alarm)) WITHOUT ROWID`);
    this.upsert = db.prepare('INSERT OR REPLACE INTO alarm_state (device, alarm, since, alarm_values) VALUES (?, ?, ?, ?)');
    this.remove = db.prepare('DELETE FROM alarm_state WHERE device = ? AND alarm = ?');
    this.all = db.prepare('SELECT device, alarm, since, alarm_values FROM alarm_state');
  }

  /** Call inside the transaction that stores the transitions. */
  record(transitions: readonly AlarmTransition[]): void {
    for (const t of transitions) {
      if (t.state === 'raised') this.upsert.run(t.d, t.alarm, t.t, JSON.stringify(t.values ?? {}));
      else if (t.state === 'cleared') this.remove.run(t.d, t.alarm);
    }
  }

  /** Active alarms per device, as DeviceAlarms restores them. */
  load(): Map<string, ActiveAlarms> {
    const byDevice = new Map<string, ActiveAlarms>();
    for (const row of this.all.all()) {
      const active = byDevice.get(row.device) ?? {};
      active[row.alarm] = { since: row.since, values: JSON.parse(row.alarm_values) as ActiveAlarms[string]['values'] };
      byDevice.set(row.device, active);
    }
    return byDevice;
  }
}
