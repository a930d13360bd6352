import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteTimeseriesStore, type SqliteStoreOptions } from '../timeseries/sqlite/sqlite-timeseries-store.js';

/** Embedded stores in temp folders, closed and removed by `cleanup` (call it in afterEach). */
export class StoreBed {
  private readonly dirs: string[] = [];
  private readonly stores: SqliteTimeseriesStore[] = [];

  open(name = 'timeseries', options: SqliteStoreOptions = {}): { store: SqliteTimeseriesStore; path: string } {
    const path = this.path(name);
    return { store: this.track(new SqliteTimeseriesStore(path, options)), path };
  }

  /** A database path in a fresh temp folder, nothing created yet. */
  path(name = 'timeseries'): string {
    const dir = mkdtempSync(join(tmpdir(), 'afferent-ts-'));
    this.dirs.push(dir);
    return join(dir, `${name}.db`);
  }

  track(store: SqliteTimeseriesStore): SqliteTimeseriesStore {
    this.stores.push(store);
    return store;
  }

  async cleanup(): Promise<void> {
    for (const store of this.stores.splice(0)) await store.close();
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}
