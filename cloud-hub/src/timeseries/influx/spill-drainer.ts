import { performance } from 'node:perf_hooks';
import type { Logger } from '../../logging/logger.js';
import { retryDelay, type BackoffOptions } from './backoff.js';
import type { InfluxMetrics } from './influx-metrics.js';
import type { InfluxWriter, WriteOutcome } from './influx-writer.js';
import { pointsOf, sliceChunk, type Chunk, type SpillQueue } from './spill-queue.js';

export interface DrainerOptions {
  /** A batch goes when it has this many lines (or maxBatchBytes)… */
  batchLines: number;
  maxBatchBytes: number;
  /** …or when its oldest line has waited this long. */
  flushIntervalMs: number;
  /** Write requests in flight at once. */
  concurrency: number;
  backoff: BackoffOptions;
  now?: () => number;
}

/** While writes keep failing, one log line per this long (plus the first and the recovery). */
const LOG_EVERY_MS = 60_000;

/**
 * Ships the spill queue to InfluxDB: claims rows in id order in batches,
 * sends up to `concurrency` at once, and removes rows only when InfluxDB
 * answered 2xx. A failed batch is kept and sent again first, after a backoff
 * during which nothing is sent (InfluxDB is down or busy: hammering it helps
 * nobody). Invalid lines are found by splitting the batch and set aside one
 * by one. Ingest never waits for any of this: it only appends to the queue.
 */
export class SpillDrainer {
  private claimedUpTo = 0;
  private readonly retry: Chunk[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failures = 0;
  private pausedUntil = 0;
  /** Since when unclaimed rows wait for a batch to fill. */
  private waitingSince: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastFailureLog = 0;
  private stopped = false;
  /** One per request in flight (a shared signal would collect a listener per request for ever). */
  private readonly aborts = new Set<AbortController>();
  private readonly now: () => number;

  constructor(
    private readonly queue: SpillQueue,
    private readonly writer: InfluxWriter,
    private readonly metrics: InfluxMetrics,
    private readonly logger: Logger,
    private readonly options: DrainerOptions,
  ) {
    this.now = options.now ?? Date.now;
    // Rows left from before a restart have waited long enough.
    if (queue.countAfter(0) > 0) this.waitingSince = this.now() - options.flushIntervalMs;
  }

  /** Rows were enqueued (call after their commit), or it is time to look again. */
  pump(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = this.now();
    while (this.inFlight.size < this.options.concurrency) {
      if (now < this.pausedUntil) return this.wakeAt(this.pausedUntil);
      const chunk = this.retry.shift() ?? this.claim(now);
      if (!chunk) return;
      this.send(chunk);
    }
  }

  /** Stop sending; requests in flight are aborted and their rows stay queued for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const abort of this.aborts) abort.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  private claim(now: number): Chunk | undefined {
    const waiting = this.queue.countAfter(this.claimedUpTo);
    if (waiting === 0) {
      this.waitingSince = undefined;
      return undefined;
    }
    this.waitingSince ??= now;
    if (waiting < this.options.batchLines && now - this.waitingSince < this.options.flushIntervalMs) {
      this.wakeAt(this.waitingSince + this.options.flushIntervalMs);
      return undefined;
    }
    const chunk = this.queue.claim(this.claimedUpTo, this.options.batchLines, this.options.maxBatchBytes);
    if (!chunk) return undefined;
    this.claimedUpTo = chunk.ids.at(-1)!;
    if (this.queue.countAfter(this.claimedUpTo) === 0) this.waitingSince = undefined;
    return chunk;
  }

  private send(chunk: Chunk): void {
    const started = performance.now();
    const abort = new AbortController();
    this.aborts.add(abort);
    const request: Promise<void> = this.writer.write(chunk.lines, abort.signal)
      .then((outcome) => this.settle(chunk, outcome, started))
      .catch((error: unknown) => {
        // The queue itself failed (SQLite): keep the chunk, it is sent again.
        this.retry.unshift(chunk);
        this.logger.error({ err: error }, 'spill queue: could not record a write outcome; the lines will be sent again');
      })
      .finally(() => {
        this.aborts.delete(abort);
        this.inFlight.delete(request);
        this.pump();
      });
    this.inFlight.add(request);
  }

  private settle(chunk: Chunk, outcome: WriteOutcome, started: number): void {
    // Stopping aborted the request: the rows stay queued. A confirmed write is still recorded.
    if (this.stopped && outcome.kind !== 'ok') return;
    const { metrics, logger } = this;
    if (outcome.kind === 'ok') {
      this.queue.remove(chunk);
      metrics.writes.inc({ outcome: 'success' });
      metrics.pointsWritten.inc(pointsOf(chunk));
      metrics.writeSeconds.observe((performance.now() - started) / 1000);
      if (this.failures > 0) logger.info({ after: this.failures }, 'InfluxDB takes writes again; draining the spill queue');
      this.failures = 0;
      return;
    }
    if (outcome.kind === 'retry') {
      this.failures++;
      const delay = retryDelay(this.failures, outcome.retryAfterMs, this.options.backoff);
      this.pausedUntil = Math.max(this.pausedUntil, this.now() + delay);
      this.requeue(chunk);
      metrics.retried(outcome.reason);
      if (this.failures === 1 || this.now() - this.lastFailureLog >= LOG_EVERY_MS) {
        this.lastFailureLog = this.now();
        const depth = this.queue.read();
        logger.warn({ reason: outcome.reason, error: outcome.message, failures: this.failures, retryInMs: delay, queuedRows: depth.rows, queuedBytes: depth.bytes },
          'InfluxDB write failed; the lines stay in the spill queue and are sent again');
      }
      return;
    }
    metrics.writes.inc({ outcome: 'invalid' });
    if (chunk.ids.length > 1) {
      // Find the bad lines: each half is sent again (lines InfluxDB did take are simply overwritten).
      const half = Math.ceil(chunk.ids.length / 2);
      this.requeue(sliceChunk(chunk, half, chunk.ids.length));
      this.requeue(sliceChunk(chunk, 0, half));
      return;
    }
    this.queue.reject(chunk, outcome.status, outcome.message, this.now());
    metrics.rejectedLines.inc();
    logger.error({ status: outcome.status, error: outcome.message, line: chunk.lines[0]!.slice(0, 500) },
      'InfluxDB refused a line as invalid; kept in the spill_rejected table of timeseries.db');
  }

  /** Back in id order, ahead of unclaimed rows. */
  private requeue(chunk: Chunk): void {
    this.retry.push(chunk);
    this.retry.sort((a, b) => a.ids[0]! - b.ids[0]!);
  }

  private wakeAt(t: number): void {
    this.timer = setTimeout(() => this.pump(), Math.max(0, t - this.now()));
    this.timer.unref();
  }
}
