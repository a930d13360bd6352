import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SqliteDatabase } from './sqlite.js';

/**
 * The worker's code. Inline (eval) rather than a file of its own: tests run
 * the hub from its TypeScript sources, where a worker file would not load.
 * It opens its own connection and runs PASSIVE checkpoints, which never wait
 * for readers or writers; `synchronous=FULL` makes a checkpoint fsync the
 * WAL before copying it and the database file after (as SQLite always does).
 *
 * The log restarts from its beginning only when a writer finds it all copied,
 * and with commits every few ms a PASSIVE checkpoint never quite catches up:
 * so once the log is `restartPages` long, a RESTART checkpoint (right after a
 * PASSIVE one, so little is left to copy) holds writers off for those few
 * pages and resets it. That is the only wait the hub's writes see.
 */
const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: 2000 });
db.pragma('synchronous = FULL');
const checkpoint = () => {
  try {
    const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)');
    if (log >= workerData.restartPages) db.pragma('wal_checkpoint(RESTART)');
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

/**
 * Copies a WAL database's log into the database file from a worker thread.
 *
 * SQLite checkpoints by itself at the end of the commit that crosses
 * `wal_autocheckpoint`, on the committing thread: on the hub that is the event
 * loop, and copying thousands of pages and fsyncing the database file stalls
 * ingest and acks for 50–250 ms. So the connection's own checkpoints are
 * turned off, and a worker with its own connection checkpoints every
 * `everyMs`: small, regular copies that no commit waits for. The log restarts
 * from its beginning once a checkpoint has caught up with it.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(db: SqliteDatabase, path: string, { everyMs, restartPages }: { everyMs: number; restartPages: number }, onError: (message: string) => void) {
    db.pragma('wal_autocheckpoint = 0', { simple: true });
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER, { eval: true, workerData: { path, everyMs, restartPages, driver } });
    this.worker.on('message', (message: { error?: string }) => {
      if (message.error) onError(message.error);
    });
    this.worker.on('error', (error) => onError(error.message));
    // A store someone forgot to close must not keep the process alive.
    this.worker.unref();
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
  }

  /** A last checkpoint, then the worker's connection closes (before the caller closes its own). */
  async close(): Promise<void> {
    // Referenced again while it finishes: otherwise a caller awaiting this with nothing else pending finds an empty event loop and Node exits (code 13).
    this.worker.ref();
    this.worker.postMessage('close');
    await this.exited;
  }
}
