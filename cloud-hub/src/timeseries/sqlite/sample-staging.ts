import type { SqlValue, SqliteDatabase, Statement } from '../../storage/sqlite.js';

/**
 * Series moved per slice: each dirties about one `samples` page, and a slice
 * scans the claimed rows once, so a slice costs ~2 ms plus a page per series.
 */
const SERIES_PER_SLICE = 200;

/** A move in progress: staged rows up to `mark`, series by series from `from`. */
interface Move {
  mark: number;
  from: number;
  top: number;
}

/**
 * The write buffer of the embedded store.
 *
 * `samples` is clustered by (series, t): a commit that writes one or two
 * samples to each of many series dirties about one page per series, and with
 * `synchronous=FULL` every dirty page is written to the WAL on every commit.
 * So ingest appends to `samples_staged` instead (rowid order: a commit dirties
 * only the few pages at its end), and the staged rows are moved into `samples`
 * in key order, many commits' worth at once, so each series page is written
 * once per move rather than once per commit.
 *
 * Moving everything at once stalls the event loop (and so ingest and acks)
 * for as long as it takes to write a page per series: ~50–150 ms with a few
 * thousand series. So once enough is staged, a move claims the rows staged so
 * far (rowid ≤ mark) and `moveSlice` carries them over a range of series at a
 * time, as part of the next ingest transactions (no commit, so no fsync, of
 * its own); the last slice deletes them.
 *
 * Re-writing a (series, t) keeps the last staged value: every version of a
 * key moves in rowid order, a later version is either in the same slice or
 * in a later move, and rows are deleted only as a prefix (rowid ≤ mark). A
 * crash mid-move leaves moved rows staged: moving them again writes the same.
 * Readers call `flush` first, so every query sees one table.
 */
export class SampleStaging {
  /** Staged rows not yet claimed by a move. */
  private staged: number;
  private move: Move | undefined;
  private readonly s: {
    insert: Statement; claim: Statement<{ mark: number | null; top: number | null; bottom: number | null }>;
    range: Statement; clear: Statement; all: Statement; clearAll: Statement;
  };
  private readonly slice: (move: Move) => void;
  private readonly moveAll: () => void;

  constructor(private readonly db: SqliteDatabase, private readonly flushAtRows: number) {
    this.s = {
      insert: db.prepare('INSERT INTO samples_staged (series_id, t, value) VALUES (?, ?, ?)'),
      claim: db.prepare('SELECT max(rowid) AS mark, max(series_id) AS top, min(series_id) AS bottom FROM samples_staged'),
      range: db.prepare(`INSERT OR REPLACE INTO samples (series_id, t, value) SELECT series_id, t, value FROM samples_staged
        WHERE rowid <= ? AND series_id >= ? AND series_id < ? ORDER BY series_id, t, rowid`),
      clear: db.prepare('DELETE FROM samples_staged WHERE rowid <= ?'),
      all: db.prepare('INSERT OR REPLACE INTO samples (series_id, t, value) SELECT series_id, t, value FROM samples_staged ORDER BY series_id, t, rowid'),
      clearAll: db.prepare('DELETE FROM samples_staged'),
    };
    this.slice = db.transaction((move: Move) => {
      const to = move.from + SERIES_PER_SLICE;
      this.s.range.run(move.mark, move.from, to);
      if (to > move.top) this.s.clear.run(move.mark);
    });
    this.moveAll = db.transaction(() => {
      this.s.all.run();
      this.s.clearAll.run();
    });
    this.staged = this.count();
  }

  /** Call inside the write transaction. */
  stage(series: number, t: number, value: SqlValue): void {
    this.s.insert.run(series, t, value);
    this.staged++;
  }

  /** Whether `moveSlice` has work: a move in progress, or enough staged to start one. */
  get due(): boolean {
    return this.move !== undefined || this.staged >= this.flushAtRows;
  }

  /** One step of the move (inside the caller's transaction, or its own): starts one when enough is staged. */
  moveSlice(): void {
    if (!this.move) {
      if (this.staged < this.flushAtRows) return;
      const claimed = this.s.claim.get();
      this.staged = 0;
      if (claimed?.mark == null) return;
      this.move = { mark: claimed.mark, from: claimed.bottom!, top: claimed.top! };
    }
    const move = this.move;
    this.slice(move);
    move.from += SERIES_PER_SLICE;
    if (move.from > move.top) this.move = undefined;
  }

  /** Move everything staged into `samples` now (its own transaction, or part of the caller's). */
  flush(): void {
    if (this.staged === 0 && !this.move) return;
    this.moveAll();
    this.staged = 0;
    this.move = undefined;
  }

  /** After a rollback (of staged rows, or of a slice): start the move over, and count what is staged. */
  recount(): void {
    this.move = undefined;
    this.staged = this.count();
  }

  private count(): number {
    return this.db.prepare<{ n: number }>('SELECT count(*) AS n FROM samples_staged').get()?.n ?? 0;
  }
}
