import { createRequire } from 'node:module';

/**
 * better-sqlite3 ships no types and @types/better-sqlite3 is not installed, so
 * this file states the small part of its API the hub uses and loads it through
 * `require`. Nothing outside `storage/` and the stores sees these types, so the
 * package's public declarations never depend on better-sqlite3's.
 */

export type SqlValue = number | string | bigint | Buffer | null;
export type SqlParams = readonly SqlValue[] | [Record<string, SqlValue>];

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface Statement<Row = unknown> {
  run(...params: SqlParams): RunResult;
  get(...params: SqlParams): Row | undefined;
  all(...params: SqlParams): Row[];
}

export interface SqliteDatabase {
  prepare<Row = unknown>(sql: string): Statement<Row>;
  exec(sql: string): void;
  pragma(source: string, options: { simple: true }): unknown;
  /** Wraps `fn` in BEGIN/COMMIT (a savepoint when already inside a transaction); rolls back if it throws. */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  close(): void;
  readonly open: boolean;
  readonly inTransaction: boolean;
}

interface DatabaseConstructor {
  new (path: string, options?: { readonly?: boolean; fileMustExist?: boolean; timeout?: number }): SqliteDatabase;
}

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3') as DatabaseConstructor;

export interface OpenOptions {
  /**
   * NORMAL (the default) survives a crash of the process; FULL also survives a
   * power cut or an OS crash, at the price of an fsync per commit.
   */
  synchronous?: 'NORMAL' | 'FULL';
  readonly?: boolean;
  /** Page cache of this connection (SQLite's default is 2 MiB). */
  cacheMiB?: number;
  /**
   * WAL pages before an automatic checkpoint (SQLite's default is 1000). A page
   * written by many commits is copied to the database once per checkpoint, so
   * a write-heavy database checkpoints less often.
   */
  walAutocheckpointPages?: number;
}

/** Open (creating if needed) a WAL-mode database. */
export function openDatabase(path: string, options: OpenOptions = {}): SqliteDatabase {
  const db = new Database(path, { readonly: options.readonly ?? false, timeout: 5000 });
  if (!options.readonly) {
    db.pragma('journal_mode = WAL', { simple: true });
    db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`, { simple: true });
    if (options.walAutocheckpointPages) db.pragma(`wal_autocheckpoint = ${options.walAutocheckpointPages}`, { simple: true });
  }
  if (options.cacheMiB) db.pragma(`cache_size = -${options.cacheMiB * 1024}`, { simple: true });
  db.pragma('foreign_keys = ON', { simple: true });
  return db;
}
