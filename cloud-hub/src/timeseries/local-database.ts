import { migrate } from '../storage/migrations.js';
import { openDatabase, type SqliteDatabase } from '../storage/sqlite.js';
import { TIMESERIES_MIGRATIONS } from './timeseries-schema.js';

/**
 * Open `timeseries.db`, the local database of either store.
 *
 * `synchronous=FULL`: the hub acks a batch once it commits here and the agent
 * then deletes it, so a commit must survive a power cut, not only a crash.
 * A big page cache and a high auto-checkpoint: a page rewritten by many
 * commits is copied to the database file once per checkpoint.
 */
export function openTimeseriesDatabase(path: string): SqliteDatabase {
  const db = openDatabase(path, { synchronous: 'FULL', cacheMiB: 64, walAutocheckpointPages: 10_000 });
  try {
    migrate(db, 'timeseries.db', TIMESERIES_MIGRATIONS);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * `fn` in one transaction (a savepoint when nested). When the outermost
 * transaction rolls back, `onRollback` lets callers forget what they cached
 * from it (series ids, queue counters).
 */
export function atomically<T>(db: SqliteDatabase, fn: () => T, onRollback: () => void): T {
  try {
    return db.transaction(fn)();
  } catch (error) {
    if (!db.inTransaction) onRollback();
    throw error;
  }
}
