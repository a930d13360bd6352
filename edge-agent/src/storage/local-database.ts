import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/**
 * `normal` survives a crash of the process, a power loss may lose the last
 * commits; `full` fsyncs every commit and survives a power loss.
 */
export type Durability = 'normal' | 'full';

/**
 * SQLite page cache, in KiB when negative. better-sqlite3 builds SQLite with
 * 16 MB per connection, and during an outage the outbox's growing backlog
 * filled it: the agent grew from 85 to 105 MB in the first 45 s of a hub
 * outage at 20k points/s (`npm run bench -- outage-memory`; 88 MB with this).
 * The agent's files are appended at one end and read and deleted at the
 * other, so a small cache costs nothing measurable.
 */
const CACHE_SIZE_KIB = 2048;

/** One of the agent's SQLite files (the outbox, the command journal): WAL, the durability asked for, a small page cache. */
export function openLocalDatabase(path: string, durability: Durability = 'normal'): Database.Database {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma(`cache_size = -${CACHE_SIZE_KIB}`);
  return db;
}
