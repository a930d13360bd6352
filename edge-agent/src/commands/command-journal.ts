import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { Command, CommandResult } from '@afferent/device-profiles';
import { openLocalDatabase, type Durability } from '../storage/local-database.js';

/** Where a command is at this agent. */
export type JournalState = 'queued' | 'started' | 'done';

/** How long a finished command is remembered after its expiry. A copy arriving later is refused as expired anyway. */
export const JOURNAL_RETENTION_MS = 86_400_000;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS commands (
    id       TEXT PRIMARY KEY,
    body     TEXT NOT NULL,                  -- the command as received
    expires  INTEGER NOT NULL,
    state    TEXT NOT NULL CHECK (state IN ('queued', 'started', 'done')),
    result   TEXT                            -- the final CommandResult, once done
  );
  CREATE TABLE IF NOT EXISTS unsent_results (
    seq  INTEGER PRIMARY KEY AUTOINCREMENT,
    body TEXT NOT NULL                       -- a CommandResult the broker has not confirmed yet
  );
`;

/**
 * `dataDir/commands.db`: every command this agent took on, and the results
 * it still has to send. It is what makes execution happen at most once:
 *
 * - an id seen before is never executed again (a QoS 1 redelivery, the hub
 *   sending again after a reconnect): its final result is sent again instead;
 * - a result waits here until the broker confirms it (PUBACK), across a
 *   dropped link and a restart;
 * - after a restart, commands that had not started run (within their expiry),
 *   and a command that had started is reported failed with its outcome
 *   unknown: the device may or may not have applied it, and writing again
 *   behind the operator's back is worse than saying so.
 */
export class CommandJournal {
  private readonly db: Database.Database;
  private readonly sql;

  constructor(dataDir: string, synchronous: Durability = 'normal') {
    this.db = openLocalDatabase(join(dataDir, 'commands.db'), synchronous);
    this.db.exec(SCHEMA);
    const db = this.db;
    this.sql = {
      insert: db.prepare<[string, string, number]>("INSERT OR IGNORE INTO commands (id, body, expires, state) VALUES (?, ?, ?, 'queued')"),
      state: db.prepare<[string], { state: JournalState; result: string | null }>('SELECT state, result FROM commands WHERE id = ?'),
      start: db.prepare<[string]>("UPDATE commands SET state = 'started' WHERE id = ?"),
      finish: db.prepare<[string, string]>("UPDATE commands SET state = 'done', result = ? WHERE id = ?"),
      inState: db.prepare<[JournalState], { id: string; body: string }>('SELECT id, body FROM commands WHERE state = ? ORDER BY rowid'),
      prune: db.prepare<[number]>("DELETE FROM commands WHERE state = 'done' AND expires < ?"),
      queueResult: db.prepare<[string]>('INSERT INTO unsent_results (body) VALUES (?)'),
      unsent: db.prepare<[number], { seq: number; body: string }>('SELECT seq, body FROM unsent_results WHERE seq > ? ORDER BY seq'),
      confirm: db.prepare<[number]>('DELETE FROM unsent_results WHERE seq = ?'),
    };
  }

  /** Take on a new command, with its first result (delivered) to send; false when this id was seen before. */
  accept(command: Command, first?: CommandResult): boolean {
    return this.db.transaction(() => {
      if (this.sql.insert.run(command.id, JSON.stringify(command), command.expires).changes === 0) return false;
      if (first) this.sql.queueResult.run(JSON.stringify(first));
      return true;
    })();
  }

  /** Where a command is, and its final result once done. */
  lookup(id: string): { state: JournalState; result?: CommandResult } | undefined {
    const row = this.sql.state.get(id);
    if (!row) return undefined;
    return row.result === null ? { state: row.state } : { state: row.state, result: JSON.parse(row.result) as CommandResult };
  }

  /** The device is about to be written: from here on, a restart cannot tell whether it was. */
  started(id: string): void {
    this.sql.start.run(id);
  }

  /** The final result, stored and queued to send in one transaction. */
  finish(id: string, result: CommandResult): void {
    this.db.transaction(() => {
      this.sql.finish.run(JSON.stringify(result), id);
      this.sql.queueResult.run(JSON.stringify(result));
    })();
  }

  /** Send a result (again). */
  queue(result: CommandResult): void {
    this.sql.queueResult.run(JSON.stringify(result));
  }

  /** After a restart: commands not started yet, in arrival order, and commands cut off while running. */
  unfinished(): { queued: Command[]; started: Command[] } {
    const of = (state: JournalState) => this.sql.inState.all(state).map((row) => JSON.parse(row.body) as Command);
    return { queued: of('queued'), started: of('started') };
  }

  /** Results not confirmed yet, oldest first; `after` skips those up to a seq already handed to the link. */
  unsent(after = 0): { seq: number; result: CommandResult }[] {
    return this.sql.unsent.all(after).map((row) => ({ seq: row.seq, result: JSON.parse(row.body) as CommandResult }));
  }

  /** The broker has this result. (A confirmation that arrives after close is dropped: the result is sent again next time.) */
  confirm(seq: number): void {
    if (this.db.open) this.sql.confirm.run(seq);
  }

  /** Forget finished commands that expired long ago. */
  prune(now = Date.now()): number {
    return this.sql.prune.run(now - JOURNAL_RETENTION_MS).changes;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
