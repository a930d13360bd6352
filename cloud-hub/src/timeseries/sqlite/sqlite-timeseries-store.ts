import { performance } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import type { Logger } from '../../logging/logger.js';
import type { SqliteDatabase } from '../../storage/sqlite.js';
import { WalCheckpointer } from '../../storage/wal-checkpointer.js';
import { atomically, openTimeseriesDatabase } from '../local-database.js';
import { encodeValue, SeriesCatalog } from '../series-catalog.js';
import type {
  AggregateQuery, LatestValue, QueryResult, RawQuery, Sample, TimeseriesStore, ValueKind,
} from '../timeseries-store.js';
import { EmbeddedStoreMetrics } from './embedded-metrics.js';
import { MaintenanceJob, type MaintenanceReport, type Retention } from './maintenance-job.js';
import { Rollups } from './rollups.js';
import { SampleStaging } from './sample-staging.js';
import { SeriesTiers } from './series-tiers.js';
import { SqliteQueries } from './sqlite-queries.js';

export interface SqliteStoreOptions {
  /** Without it, samples are kept for ever and nothing is rolled up. */
  retention?: Retention;
  /** Run retention and downsampling this often (ms); 0: only when `maintain` is called (tests pin the clock). */
  maintenanceEveryMs?: number;
  /** Staged samples that trigger a move into `samples` after a commit (see SampleStaging). */
  flushAtRows?: number;
  now?: () => number;
  metrics?: Registry;
  logger?: Logger;
}

const DEFAULT_FLUSH_AT_ROWS = 20_000;
/** Small, frequent checkpoints off the event loop; the log restarts at about the size SQLite's own checkpoints kept it (see WalCheckpointer). */
const CHECKPOINT = { everyMs: 250, restartPages: 10_000 };

/**
 * The embedded store: `timeseries.db`. Writes are staged (see
 * SampleStaging); reads flush first. With a retention, a periodic job rolls
 * raw samples up into minutes and deletes what is past its time.
 */
export class SqliteTimeseriesStore implements TimeseriesStore {
  readonly database: SqliteDatabase;
  private readonly catalog: SeriesCatalog;
  private readonly tiers: SeriesTiers;
  private readonly rollups: Rollups;
  private readonly staging: SampleStaging;
  private readonly queries: SqliteQueries;
  private readonly job: MaintenanceJob | undefined;
  private readonly metrics: EmbeddedStoreMetrics | undefined;
  private readonly checkpointer: WalCheckpointer;
  /** Samples older than this are past the rollup retention: not stored. */
  private rollupCutoff = 0;
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  private running: Promise<MaintenanceReport> | undefined;

  constructor(path: string, private readonly options: SqliteStoreOptions = {}) {
    this.database = openTimeseriesDatabase(path);
    const db = this.database;
    this.catalog = new SeriesCatalog(db);
    this.tiers = new SeriesTiers(db);
    this.rollups = new Rollups(db);
    this.staging = new SampleStaging(db, options.flushAtRows ?? DEFAULT_FLUSH_AT_ROWS);
    this.queries = new SqliteQueries(db, this.catalog, this.tiers);
    this.metrics = options.metrics ? new EmbeddedStoreMetrics(options.metrics) : undefined;
    this.checkpointer = new WalCheckpointer(db, path, CHECKPOINT, (message) => {
      this.options.logger?.error({ error: message }, 'time series WAL checkpoint failed; the next one tries again');
    });
    if (options.retention) {
      this.job = new MaintenanceJob({
        db, catalog: this.catalog, tiers: this.tiers, rollups: this.rollups, staging: this.staging,
        retention: options.retention, setRollupCutoff: (t) => { this.rollupCutoff = t; },
      });
      const every = options.maintenanceEveryMs ?? 0;
      if (every > 0) {
        this.timer = setInterval(() => void this.maintain().catch(() => undefined), every);
        this.timer.unref();
        setImmediate(() => void this.maintain().catch(() => undefined));
      }
    }
  }

  write(samples: readonly Sample[]): void {
    this.atomically(() => {
      const rows = samples.map((sample) => ({ series: this.catalog.seriesFor(sample), sample }));
      // Key order: consecutive inserts of a series share pages, here and when the staging is flushed.
      rows.sort((a, b) => a.series.id - b.series.id || a.sample.t - b.sample.t);
      let expired = 0;
      for (const { series, sample } of rows) {
        const value = encodeValue(sample.value);
        const tier = this.tiers.get(series.id);
        if (sample.t < this.rollupCutoff) expired++;
        else if (sample.t < tier.rawBefore) this.rollups.merge(series.id, sample.t, value, series.kind === 'number');
        else {
          this.staging.stage(series.id, sample.t, value);
          if (sample.t < tier.rolledUntil) this.rollups.markDirty(series.id, sample.t);
        }
      }
      this.catalog.updateLatest(samples);
      if (expired > 0) this.metrics?.expired.inc(expired);
    });
  }

  atomically<T>(fn: () => T): T {
    const outermost = !this.database.inTransaction;
    return atomically(this.database, () => {
      const result = fn();
      // A slice of the move rides on the outermost write: one commit, one fsync, for both.
      if (outermost && this.staging.due) this.moveSlice();
      return result;
    }, () => {
      this.catalog.reload();
      this.staging.recount();
    });
  }

  /** A failed slice (rolled back to its savepoint) must not fail the write it rides on: the move starts over later. */
  private moveSlice(): void {
    try {
      this.staging.moveSlice();
    } catch (error) {
      this.staging.recount();
      this.options.logger?.error({ err: error }, 'could not move staged samples into the samples table; they stay staged (queries see them)');
    }
  }

  writeRefusal(): undefined {
    return undefined;
  }

  seriesKind(device: string, point: string): ValueKind | undefined {
    return this.catalog.get(device, point)?.kind;
  }

  latest(device: string): Record<string, LatestValue> {
    return this.catalog.latest(device);
  }

  async query(q: RawQuery): Promise<QueryResult> {
    this.staging.flush();
    return this.queries.raw(q);
  }

  async aggregate(q: AggregateQuery): Promise<QueryResult> {
    this.staging.flush();
    return this.queries.aggregate(q);
  }

  /** One rollup and retention run (at most one at a time); the timer calls it, tests call it with a pinned clock. */
  maintain(now = (this.options.now ?? Date.now)()): Promise<MaintenanceReport> {
    if (!this.job || this.closing) return Promise.resolve({ rawDeleted: 0, rollupsDeleted: 0, redone: 0 });
    this.running ??= this.runJob(this.job, now).finally(() => { this.running = undefined; });
    return this.running;
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
    if (!this.database.open) return;
    this.staging.flush();
    await this.checkpointer.close();
    this.database.close();
  }

  private async runJob(job: MaintenanceJob, now: number): Promise<MaintenanceReport> {
    const started = performance.now();
    try {
      const report = await job.run(now, () => this.closing);
      this.metrics?.deleted.inc({ tier: 'raw' }, report.rawDeleted);
      this.metrics?.deleted.inc({ tier: 'rollup' }, report.rollupsDeleted);
      this.metrics?.maintenanceSeconds.set((performance.now() - started) / 1000);
      return report;
    } catch (error) {
      // A failed step rolled back: reload what it may have changed in memory.
      this.tiers.reload();
      this.staging.recount();
      this.metrics?.maintenanceFailures.inc();
      this.options.logger?.error({ err: error }, 'time series rollup/retention run failed; the next run starts over');
      throw error;
    }
  }
}
