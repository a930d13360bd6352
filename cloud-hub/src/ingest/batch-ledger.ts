import type { SqliteDatabase, Statement } from '../storage/sqlite.js';

/**
 * The ledger's tables, for a migration of each database that stores outbox
 * batches (alarms-schema.ts; timeseries-schema.ts states the same tables in
 * its first migration). A shipped migration never changes: change the ledger
 * with a new migration in every such database.
 */
export const BATCH_LEDGER_TABLES = `
  CREATE TABLE ingested_batches (
    gateway TEXT NOT NULL,
    epoch   TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    stored  INTEGER NOT NULL,
    PRIMARY KEY (gateway, epoch, seq)
  ) WITHOUT ROWID;
  CREATE TABLE ingest_low (
    gateway TEXT NOT NULL,
    epoch   TEXT NOT NULL,
    low     INTEGER NOT NULL,           -- every seq below was acked and will never be sent again
    PRIMARY KEY (gateway, epoch)
  ) WITHOUT ROWID;
`;

/**
 * Which outbox batches are already stored: `(gateway, epoch, seq)` names a
 * batch for ever, and `low` (the lowest seq the agent still holds) says that
 * everything below it was acked and will never come again, so those rows can
 * go and any such seq is a duplicate. Each kind of batch keeps its ledger in
 * the database that stores its content (telemetry in timeseries.db, alarm
 * transitions in alarms.db), so "stored" commits with what was stored; because
 * it is on disk, duplicates are recognised across hub restarts. Telemetry and
 * alarms share one seq space per outbox, so each ledger simply never sees the
 * other kind's seqs, and `low` holds for both.
 */
export class BatchLedger {
  private readonly s: {
    has: Statement<{ one: number }>;
    low: Statement<{ low: number }>;
    insert: Statement;
    setLow: Statement;
    prune: Statement;
  };

  constructor(db: SqliteDatabase) {
    this.s = {
      has: db.prepare('SELECT 1 AS one FROM ingested_batches WHERE gateway = ? AND epoch = ? AND seq = ?'),
      low: db.prepare('SELECT low FROM ingest_low WHERE gateway = ? AND epoch = ?'),
      insert: db.prepare('INSERT OR IGNORE INTO ingested_batches (gateway, epoch, seq, stored) VALUES (?, ?, ?, ?)'),
      setLow: db.prepare(`INSERT INTO ingest_low (gateway, epoch, low) VALUES (?, ?, ?)
        ON CONFLICT (gateway, epoch) DO UPDATE SET low = excluded.low WHERE excluded.low > ingest_low.low`),
      prune: db.prepare('DELETE FROM ingested_batches WHERE gateway = ? AND epoch = ? AND seq < ?'),
    };
  }

  isStored(gateway: string, epoch: string, seq: number): boolean {
    const low = this.s.low.get(gateway, epoch)?.low;
    if (low !== undefined && seq < low) return true;
    return this.s.has.get(gateway, epoch, seq) !== undefined;
  }

  /** Call inside the transaction that stores the batch's samples. */
  record(gateway: string, epoch: string, seq: number, low: number | undefined, now = Date.now()): void {
    this.s.insert.run(gateway, epoch, seq, now);
    // `low` only grows; an older batch arriving late must not lower it.
    if (low !== undefined && this.s.setLow.run(gateway, epoch, low).changes > 0) {
      this.s.prune.run(gateway, epoch, low);
    }
  }
}
