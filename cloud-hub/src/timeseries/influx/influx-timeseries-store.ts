import type { Registry } from 'prom-client';
import type { Logger } from '../../logging/logger.js';
import type { SqliteDatabase } from '../../storage/sqlite.js';
import { atomically, openTimeseriesDatabase } from '../local-database.js';
import { SeriesCatalog } from '../series-catalog.js';
import type {
  AggregateQuery, LatestValue, QueryResult, RawQuery, Sample, TimeseriesStore, ValueKind,
} from '../timeseries-store.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { InfluxMetrics } from './influx-metrics.js';
import { InfluxQueries } from './influx-queries.js';
import { InfluxWriter, type InfluxTarget } from './influx-writer.js';
import { toLines, type SeriesTags } from './line-protocol.js';
import { SpillDrainer } from './spill-drainer.js';
import { SpillQueue } from './spill-queue.js';

export interface InfluxStoreOptions {
  target: InfluxTarget;
  /** Measurement and tags of a device (see README: InfluxDB layout). */
  tagsOf(device: string): SeriesTags;
  batchLines: number;
  flushIntervalMs: number;
  concurrency: number;
  spillMaxBytes: number;
  metrics: Registry;
  logger: Logger;
  backoff?: BackoffOptions;
  now?: () => number;
}

/** A write request body is at most this big (InfluxDB's default limit is far above). */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;

/**
 * InfluxDB as the store. Ingest's durable step is local: series, latest
 * values and the lines for InfluxDB (the spill queue) commit in
 * `timeseries.db` with the ledger, then the batch is acked; the drainer ships
 * the queue. While InfluxDB is away the queue grows; past `spillMaxBytes`
 * ingest stops acking (see `writeRefusal`) and the data waits in the
 * gateways' outboxes instead: nothing is dropped.
 */
export class InfluxTimeseriesStore implements TimeseriesStore {
  readonly database: SqliteDatabase;
  private readonly catalog: SeriesCatalog;
  private readonly spill: SpillQueue;
  private readonly drainer: SpillDrainer;
  private readonly queries: InfluxQueries;
  private readonly now: () => number;

  constructor(path: string, private readonly options: InfluxStoreOptions) {
    this.database = openTimeseriesDatabase(path);
    this.now = options.now ?? Date.now;
    this.catalog = new SeriesCatalog(this.database);
    this.spill = new SpillQueue(this.database, options.spillMaxBytes);
    const metrics = new InfluxMetrics(options.metrics, () => this.spill.read(), this.now);
    this.drainer = new SpillDrainer(this.spill, new InfluxWriter(options.target), metrics, options.logger, {
      batchLines: options.batchLines, maxBatchBytes: MAX_BATCH_BYTES, flushIntervalMs: options.flushIntervalMs,
      concurrency: options.concurrency, backoff: options.backoff ?? DEFAULT_BACKOFF, now: this.now,
    });
    this.queries = new InfluxQueries(options.target, this.catalog);
    this.drainer.pump();
  }

  write(samples: readonly Sample[]): void {
    this.atomically(() => {
      for (const sample of samples) this.catalog.seriesFor(sample);
      this.spill.enqueue(toLines(samples, (device) => this.options.tagsOf(device)), this.now());
      this.catalog.updateLatest(samples);
    });
  }

  atomically<T>(fn: () => T): T {
    const result = atomically(this.database, fn, () => {
      this.catalog.reload();
      this.spill.recount();
    });
    // Only committed rows may be claimed: a row sent and then rolled back would leave its id to another.
    if (!this.database.inTransaction) this.drainer.pump();
    return result;
  }

  writeRefusal(): string | undefined {
    if (!this.spill.full) return undefined;
    return `the InfluxDB spill queue is full (${Math.round(this.spill.maxBytes / 1024 / 1024)} MiB): InfluxDB is not taking writes fast enough`;
  }

  seriesKind(device: string, point: string): ValueKind | undefined {
    return this.catalog.get(device, point)?.kind;
  }

  latest(device: string): Record<string, LatestValue> {
    return this.catalog.latest(device);
  }

  query(q: RawQuery): Promise<QueryResult> {
    return this.queries.raw(q);
  }

  aggregate(q: AggregateQuery): Promise<QueryResult> {
    return this.queries.aggregate(q);
  }

  /** The spill queue now: rows, points, bytes, oldest (tests and the benchmark watch it drain). */
  spillStats() {
    return this.spill.read();
  }

  async close(): Promise<void> {
    await this.drainer.stop();
    if (this.database.open) this.database.close();
  }
}
