import type { SqlValue, SqliteDatabase, Statement } from '../../storage/sqlite.js';

/**
 * The write buffer of the embedded store.
 *
 * `samples` is clustered by (series, t): a commit that writes one or two
 * samples to each of many series dirties about one page per series, and with
 * `synchronous=FULL` every dirty page is written to the WAL on every commit.
 * So ingest appends to `samples_staged` instead (rowid order: a commit dirties
 * only the few pages at its end), and `flush` moves the staged rows into
 * `samples` in key order, many commits' worth at once, so each series page is
 * written once per flush rather than once per commit.
 *
 * Readers call `flush` first, so every query sees one table; re-writing a
 * (series, t) keeps the last staged value (INSERT OR REPLACE in rowid order).
 */
export class SampleStaging {
  private staged: number;
  private readonly insert: Statement;
  private readonly moveAll: () => void;

  constructor(private readonly db: SqliteDatabase, private readonly flushAtRows: number) {
    this.insert = db.prepare('INSERT INTO samples_staged (series_id, t, value) VALUES (?, ?, ?)');
    const move = db.prepare('INSERT OR REPLACE INTO samples (series_id, t, value) SELECT series_id, t, value FROM samples_staged ORDER BY series_id, t, rowid');
    const clear = db.prepare('DELETE FROM samples_staged');
    this.moveAll = db.transaction(() => {
      move.run();
      clear.run();
    });
    this.staged = this.count();
  }

  /** Call inside the write transaction. */
  stage(series: number, t: number, value: SqlValue): void {
    this.insert.run(series, t, value);
    this.staged++;
  }

  /** Whether enough is staged that the next flush is worth it now. */
  get full(): boolean {
    return this.staged >= this.flushAtRows;
  }

  /** Move everything staged into `samples` (its own transaction, or part of the caller's). */
  flush(): void {
    if (this.staged === 0) return;
    this.moveAll();
    this.staged = 0;
  }

  /** After a rollback the counter may be off; it only decides when to flush, but keep it honest. */
  recount(): void {
    this.staged = this.count();
  }

  private count(): number {
    return this.db.prepare<{ n: number }>('SELECT count(*) AS n FROM samples_staged').get()?.n ?? 0;
  }
}
