import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { ActiveAlarms, AlarmTransition } from '@afferent/device-profiles';
import { openLocalDatabase, type Durability } from '../storage/local-database.js';
import { AlarmStateTable } from './alarm-state.js';

/**
 * The on-disk outbox: every batch is stored here before it is sent, and
 * deleted only when the hub acks it. SQLite in WAL mode.
 *
 * Durability: `synchronous=NORMAL` (the default) survives a crash of the
 * process; a power loss may lose the last transactions. `full` fsyncs every
 * commit and survives power loss, at the cost of one fsync per batch.
 *
 * Policy when full: over `maxBytes` (the sum of stored bodies) or older than
 * `maxAge`, the OLDEST TELEMETRY batches are dropped and their readings
 * counted; alarm batches are never dropped. A batch that was sent and not
 * acknowledged may already be stored at the hub: dropping it would count
 * readings as lost that arrived, so such batches are kept (they are sent
 * again, and the hub drops what it already has) while they take at most
 * 1/IN_DOUBT_SHARE of `maxBytes`, and the oldest never-sent batches go instead.
 */

export type BatchKind = 'telemetry' | 'alarms';

export interface StoredBatch {
  seq: number;
  kind: BatchKind;
  /** When the batch was closed, ms. */
  created: number;
  /** Readings (or alarm transitions) in the batch. */
  readings: number;
  /** JSON array of the readings or alarm transitions. */
  body: string;
}

export interface OutboxStats {
  batches: number;
  readings: number;
  bytes: number;
  /** Creation time of the oldest batch still stored, ms. */
  oldest?: number;
  /** Readings dropped by the size/age policy over the life of this outbox. */
  dropped: number;
}

export interface OutboxOptions {
  maxBytes: number;
  maxAgeMs: number;
  synchronous?: Durability;
  now?: () => number;
}

/**
 * After an unclean shutdown, commits that were not yet on disk may be gone
 * while their batches already reached the hub. Re-using those seqs for new
 * data would make the hub drop it as a duplicate, so the seq jumps past them.
 */
export const SEQ_SKIP_AFTER_CRASH = 100_000;

/** Sent-but-unacknowledged batches are kept over the limits while they take at most maxBytes / this. */
export const IN_DOUBT_SHARE = 4;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS batches (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('telemetry', 'alarms')),
    created INTEGER NOT NULL,
    readings INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    body TEXT NOT NULL,
    sent INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX IF NOT EXISTS batches_by_kind ON batches (kind, seq);
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

type Totals = { batches: number; readings: number; bytes: number };
type Sized = { readings: number; bytes: number };

function prepareStatements(db: Database.Database) {
  return {
    insert: db.prepare<[BatchKind, number, number, number, string]>(
      'INSERT INTO batches (kind, created, readings, bytes, body) VALUES (?, ?, ?, ?, ?)',
    ),
    next: db.prepare<[BatchKind, number, number, number], StoredBatch>(
      'SELECT seq, kind, created, readings, body FROM batches WHERE kind = ? AND seq >= ? AND seq < ? ORDER BY seq LIMIT ?',
    ),
    lastSeq: db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'batches'"),
    one: db.prepare<[number], StoredBatch>('SELECT seq, kind, created, readings, body FROM batches WHERE seq = ?'),
    remove: db.prepare<[number], Sized>('DELETE FROM batches WHERE seq = ? RETURNING readings, bytes'),
    low: db.prepare<[], { low: number | null }>('SELECT MIN(seq) AS low FROM batches'),
    oldest: db.prepare<[], { created: number }>('SELECT created FROM batches ORDER BY seq LIMIT 1'),
    oldestTelemetry: db.prepare<[number], { seq: number; created: number; bytes: number; sent: number }>(
      "SELECT seq, created, bytes, sent FROM batches WHERE kind = 'telemetry' AND seq > ? ORDER BY seq LIMIT 64",
    ),
    markSent: db.prepare<[number]>('UPDATE batches SET sent = 1 WHERE seq = ? AND sent = 0'),
    setMeta: db.prepare<[string, string]>('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
  };
}

export class Outbox {
  readonly epoch: string;
  readonly path: string;
  private readonly db: Database.Database;
  private readonly sql: ReturnType<typeof prepareStatements>;
  private readonly now: () => number;
  private readonly totals: Totals;
  private dropped: number;
  /** `dropped` moved while the database refused writes: save it with the next transaction. */
  private droppedUnsaved = false;
  private readonly appendTx: (kind: BatchKind, body: string, readings: number, created: number) => number;
  private readonly alarmState: AlarmStateTable;
  private readonly appendAlarmsTx: (transitions: readonly AlarmTransition[], created: number) => number;

  constructor(dataDir: string, private readonly options: OutboxOptions) {
    this.path = join(dataDir, 'outbox.db');
    this.now = options.now ?? Date.now;
    const db = openLocalDatabase(this.path, options.synchronous);
    this.db = db;
    db.exec(SCHEMA);
    // Outboxes made before batches were marked sent: theirs count as never sent.
    if (!db.prepare<[], { name: string }>('PRAGMA table_info(batches)').all().some((c) => c.name === 'sent')) {
      db.exec('ALTER TABLE batches ADD COLUMN sent INTEGER NOT NULL DEFAULT 0');
    }
    const sql = (this.sql = prepareStatements(db));
    const meta = (key: string) => db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(key)?.value;
    const setMeta = (key: string, value: string) => sql.setMeta.run(key, value);
    db.transaction(() => {
      const epoch = meta('epoch');
      if (epoch === undefined) {
        setMeta('epoch', randomBytes(12).toString('base64url'));
        setMeta('dropped_readings', '0');
      } else if (meta('clean_shutdown') !== '1') {
        // sqlite_sequence has no unique key on name: update the row, or create it.
        const bumped = db.prepare<[number]>("UPDATE sqlite_sequence SET seq = seq + ? WHERE name = 'batches'").run(SEQ_SKIP_AFTER_CRASH);
        if (bumped.changes === 0) db.prepare<[number]>("INSERT INTO sqlite_sequence (name, seq) VALUES ('batches', ?)").run(SEQ_SKIP_AFTER_CRASH);
      }
      setMeta('clean_shutdown', '0');
    })();
    // The epoch and the "not closed cleanly" mark must be on disk before any batch is sent.
    db.pragma('wal_checkpoint(FULL)');
    this.epoch = meta('epoch')!;
    this.dropped = Number(meta('dropped_readings') ?? 0);
    const sums = db.prepare<[], { batches: number; readings: number | null; bytes: number | null }>(
      'SELECT COUNT(*) AS batches, SUM(readings) AS readings, SUM(bytes) AS bytes FROM batches',
    ).get()!;
    this.totals = { batches: sums.batches, readings: sums.readings ?? 0, bytes: sums.bytes ?? 0 };

    this.appendTx = db.transaction((kind: BatchKind, body: string, readings: number, created: number) => {
      const bytes = Buffer.byteLength(body);
      const seq = Number(sql.insert.run(kind, created, readings, bytes, body).lastInsertRowid);
      this.totals.batches += 1;
      this.totals.readings += readings;
      this.totals.bytes += bytes;
      this.enforceLimits(created);
      return seq;
    });
    this.alarmState = new AlarmStateTable(db);
    this.appendAlarmsTx = db.transaction((transitions: readonly AlarmTransition[], created: number) => {
      this.alarmState.record(transitions);
      return this.appendTx('alarms', JSON.stringify(transitions), transitions.length, created);
    });
  }

  /** Store alarm transitions and the active-alarm state they imply, in one transaction; returns the seq. */
  appendAlarms(transitions: readonly AlarmTransition[], created = this.now()): number {
    return this.appendAlarmsTx(transitions, created);
  }

  /** Active alarms per device, as last stored. */
  activeAlarms(): Map<string, ActiveAlarms> {
    return this.alarmState.load();
  }

  /** Store one batch (a JSON array of readings or alarm transitions) in one transaction; returns its seq. */
  append(kind: BatchKind, items: readonly unknown[], created = this.now()): number {
    return this.appendTx(kind, JSON.stringify(items), items.length, created);
  }

  /** Up to `n` batches to send: alarms first, then telemetry oldest first, skipping those in `skip`. */
  nextToSend(n: number, skip: ReadonlySet<number> = new Set()): StoredBatch[] {
    const alarms = this.next('alarms', n, skip);
    return [...alarms, ...this.next('telemetry', n - alarms.length, skip)];
  }

  /** Up to `n` batches of one kind, oldest first, with `from` ≤ seq < `below`, skipping those in `skip`. */
  next(kind: BatchKind, n: number, skip: ReadonlySet<number> = new Set(), { from = 0, below = Number.MAX_SAFE_INTEGER } = {}): StoredBatch[] {
    if (n <= 0) return [];
    return this.sql.next.all(kind, from, below, n + skip.size).filter((batch) => !skip.has(batch.seq)).slice(0, n);
  }

  /** The last seq handed out (0 for a new outbox): batches stored from now on have higher ones. */
  lastSeq(): number {
    return this.sql.lastSeq.get()?.seq ?? 0;
  }

  /** One stored batch, if it is still here. */
  batch(seq: number): StoredBatch | undefined {
    return this.sql.one.get(seq);
  }

  /** The hub stored these batches: delete them. Unknown seqs are ignored. Returns how many were deleted. */
  ack(seqs: readonly number[]): number {
    return this.db.transaction(() => {
      let deleted = 0;
      for (const seq of seqs) {
        const row = this.sql.remove.get(seq);
        if (!row) continue;
        deleted++;
        this.forget(row);
      }
      return deleted;
    })();
  }

  /** These batches are about to be published: from now on the hub may have them (see the policy). */
  markSent(seqs: readonly number[]): void {
    this.db.transaction(() => {
      for (const seq of seqs) this.sql.markSent.run(seq);
    })();
  }

  /** The lowest seq still stored: everything below has been acknowledged. */
  low(): number | undefined {
    return this.sql.low.get()?.low ?? undefined;
  }

  /**
   * Readings that never reached the outbox: it refused writes (disk full)
   * for longer than the batcher could hold them. Counted with the policy's
   * drops, so status, metrics and the hub show them; saved when the disk
   * takes a write again.
   */
  countLost(readings: number): void {
    this.dropped += readings;
    this.droppedUnsaved = true;
    try {
      this.saveDropped();
    } catch {
      // Still refusing writes: the next transaction that succeeds saves it.
    }
  }

  /** Apply the age limit now (appends apply both limits by themselves). Returns readings dropped. */
  prune(now = this.now()): number {
    const before = this.dropped;
    this.db.transaction(() => this.enforceLimits(now))();
    return this.dropped - before;
  }

  stats(): OutboxStats {
    const oldest = this.sql.oldest.get()?.created;
    return { ...this.totals, ...(oldest === undefined ? {} : { oldest }), dropped: this.dropped };
  }

  /** Close the database and mark the shutdown clean. */
  close(): void {
    if (!this.db.open) return;
    this.sql.setMeta.run('clean_shutdown', '1');
    this.db.close();
  }

  /**
   * Inside a transaction: drop the oldest telemetry while over the size limit
   * or past the age limit, passing over sent-but-unacknowledged batches
   * within their share.
   */
  private enforceLimits(now: number): void {
    const cutoff = now - this.options.maxAgeMs;
    const inDoubtShare = this.options.maxBytes / IN_DOUBT_SHARE;
    let inDoubtKept = 0;
    let droppedNow = 0;
    let after = 0;
    for (let within = false; !within;) {
      const candidates = this.sql.oldestTelemetry.all(after);
      for (const batch of candidates) {
        within = this.totals.bytes <= this.options.maxBytes && batch.created >= cutoff;
        if (within) break;
        after = batch.seq;
        if (batch.sent === 1 && inDoubtKept + batch.bytes <= inDoubtShare) {
          inDoubtKept += batch.bytes;
          continue;
        }
        const removed = this.sql.remove.get(batch.seq)!;
        this.forget(removed);
        droppedNow += removed.readings;
      }
      if (candidates.length < 64) break;
    }
    this.dropped += droppedNow;
    if (droppedNow > 0 || this.droppedUnsaved) this.saveDropped();
  }

  private saveDropped(): void {
    this.sql.setMeta.run('dropped_readings', String(this.dropped));
    this.droppedUnsaved = false;
  }

  private forget(batch: Sized): void {
    this.totals.batches -= 1;
    this.totals.readings -= batch.readings;
    this.totals.bytes -= batch.bytes;
  }
}
