import type { SqliteDatabase, Statement } from '../../storage/sqlite.js';
import type { Line } from './line-protocol.js';

/** Consecutive queue rows, sent as one write request; the arrays are parallel. */
export interface Chunk {
  ids: number[];
  lines: string[];
  points: number[];
  /** Of the lines, without separators. */
  bytes: number;
}

export const pointsOf = (chunk: Chunk): number => chunk.points.reduce((a, b) => a + b, 0);

/** Rows [from, to) of a chunk, as a chunk. */
export function sliceChunk(chunk: Chunk, from: number, to: number): Chunk {
  const lines = chunk.lines.slice(from, to);
  return { ids: chunk.ids.slice(from, to), lines, points: chunk.points.slice(from, to), bytes: lines.reduce((n, l) => n + Buffer.byteLength(l), 0) };
}

export interface SpillStats {
  rows: number;
  points: number;
  bytes: number;
  /** When the oldest row was enqueued (ms), if any. */
  oldest: number | undefined;
}

/**
 * Lines waiting for InfluxDB, in `timeseries.db`. Ingest enqueues in the
 * transaction that records the batch in the ledger (so a batch is acked once
 * its lines are on disk, and never enqueued twice); the drainer claims rows
 * in id order and removes them only after InfluxDB confirmed them.
 *
 * Counters are kept in memory (metrics read them often); after a rollback
 * the owner calls `recount`.
 */
export class SpillQueue {
  private stats: Omit<SpillStats, 'oldest'> = { rows: 0, points: 0, bytes: 0 };
  private maxId = 0;
  private readonly s: {
    insert: Statement;
    claim: Statement<{ id: number; line: string; points: number }>;
    remove: Statement;
    reject: Statement;
    oldest: Statement<{ enqueued: number }>;
  };

  constructor(private readonly db: SqliteDatabase, readonly maxBytes: number) {
    this.s = {
      insert: db.prepare('INSERT INTO spill (line, points, enqueued) VALUES (?, ?, ?)'),
      claim: db.prepare('SELECT id, line, points FROM spill WHERE id > ? ORDER BY id LIMIT ?'),
      remove: db.prepare('DELETE FROM spill WHERE id >= ? AND id <= ?'),
      reject: db.prepare(`INSERT INTO spill_rejected (id, line, status, error, rejected)
        SELECT id, line, ?, ?, ? FROM spill WHERE id = ?`),
      oldest: db.prepare('SELECT enqueued FROM spill ORDER BY id LIMIT 1'),
    };
    this.recount();
  }

  /** Call inside the ingest transaction. */
  enqueue(lines: readonly Line[], now: number): void {
    for (const { line, points } of lines) {
      this.maxId = Number(this.s.insert.run(line, points, now).lastInsertRowid);
      this.stats.rows++;
      this.stats.points += points;
      this.stats.bytes += Buffer.byteLength(line);
    }
  }

  /** Rows after `afterId` (the last id the drainer claimed); ids are consecutive, so this needs no query. */
  countAfter(afterId: number): number {
    return Math.max(0, this.maxId - afterId);
  }

  /** Up to `maxLines` rows after `afterId`, stopping early at `maxBytes`. */
  claim(afterId: number, maxLines: number, maxBytes: number): Chunk | undefined {
    const chunk: Chunk = { ids: [], lines: [], points: [], bytes: 0 };
    for (const row of this.s.claim.all(afterId, maxLines)) {
      const bytes = Buffer.byteLength(row.line);
      // The request body: the lines and a newline between each two.
      if (chunk.ids.length > 0 && chunk.bytes + chunk.ids.length + bytes > maxBytes) break;
      chunk.ids.push(row.id);
      chunk.lines.push(row.line);
      chunk.points.push(row.points);
      chunk.bytes += bytes;
    }
    return chunk.ids.length > 0 ? chunk : undefined;
  }

  /** InfluxDB has these rows: forget them. */
  remove(chunk: Chunk): void {
    this.db.transaction(() => this.s.remove.run(chunk.ids[0]!, chunk.ids.at(-1)!))();
    this.forget(chunk);
  }

  /** InfluxDB refused this row as invalid: keep it aside in `spill_rejected`, out of the way of the rest. */
  reject(chunk: Chunk, status: number | undefined, error: string, now: number): void {
    this.db.transaction(() => {
      for (const id of chunk.ids) this.s.reject.run(status ?? null, error, now, id);
      this.s.remove.run(chunk.ids[0]!, chunk.ids.at(-1)!);
    })();
    this.forget(chunk);
  }

  read(): SpillStats {
    return { ...this.stats, oldest: this.stats.rows > 0 ? this.s.oldest.get()?.enqueued : undefined };
  }

  get full(): boolean {
    return this.stats.bytes >= this.maxBytes;
  }

  recount(): void {
    const row = this.db.prepare<{ rows: number; points: number; bytes: number; maxId: number }>(
      `SELECT count(*) AS rows, total(points) AS points, total(length(CAST(line AS BLOB))) AS bytes,
        coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'spill'), 0) AS maxId FROM spill`,
    ).get()!;
    this.stats = { rows: row.rows, points: row.points, bytes: row.bytes };
    this.maxId = row.maxId;
  }

  private forget(chunk: Chunk): void {
    this.stats.rows -= chunk.ids.length;
    this.stats.points -= pointsOf(chunk);
    this.stats.bytes -= chunk.bytes;
  }
}
