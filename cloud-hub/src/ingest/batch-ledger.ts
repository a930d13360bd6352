import type { SqliteDatabase, Statement } from '../storage/sqlite.js';

/**
 * Which outbox batches are already stored: `(gateway, epoch, seq)` names a
 * batch for ever, and `low` (the lowest seq the agent still holds) says that
 * everything below it was acked and will never come again, so those rows can
 * go and any such seq is a duplicate. It lives in the time series database so
 * "stored" commits with the samples (see timeseries-schema.ts); because it is
 * on disk, duplicates are recognised across hub restarts.
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
