import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { SpillStats } from './spill-queue.js';
import type { RetryReason } from './influx-writer.js';

/** Metrics of the InfluxDB store: the spill queue and the writes that drain it. */
export class InfluxMetrics {
  readonly writes: Counter<'outcome'>;
  readonly retries: Counter<'reason'>;
  readonly pointsWritten: Counter;
  readonly rejectedLines: Counter;
  readonly writeSeconds: Histogram;

  constructor(registry: Registry, spill: () => SpillStats, now: () => number = Date.now) {
    const registers = [registry];
    const gauge = (name: string, help: string, read: (stats: SpillStats) => number) => new Gauge({
      name, help, registers,
      collect() {
        this.set(read(spill()));
      },
    });
    gauge('afferent_hub_influx_spill_rows', 'Lines (readings) in the spill queue, waiting for InfluxDB.', (s) => s.rows);
    gauge('afferent_hub_influx_spill_points', 'Point values in the spill queue.', (s) => s.points);
    gauge('afferent_hub_influx_spill_bytes', 'Bytes of line protocol in the spill queue (ingest stops acking at the configured bound).', (s) => s.bytes);
    gauge('afferent_hub_influx_spill_oldest_age_seconds', 'Age of the oldest line in the spill queue: how far InfluxDB lags behind ingest.',
      (s) => (s.oldest === undefined ? 0 : Math.max(0, (now() - s.oldest) / 1000)));
    this.writes = new Counter({
      name: 'afferent_hub_influx_writes_total',
      help: 'Write requests to InfluxDB by outcome: success (2xx, lines removed from the queue), retry (kept, sent again later), invalid (400/413/422: split, or set aside).',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.retries = new Counter({
      name: 'afferent_hub_influx_write_retries_total',
      help: 'Failed write requests that will be retried, by reason: throttled (429), server_error (5xx), refused (other 4xx: token, bucket), network.',
      labelNames: ['reason'] as const,
      registers,
    });
    this.pointsWritten = new Counter({
      name: 'afferent_hub_influx_points_written_total',
      help: 'Point values InfluxDB confirmed.',
      registers,
    });
    this.rejectedLines = new Counter({
      name: 'afferent_hub_influx_rejected_lines_total',
      help: 'Lines InfluxDB refused as invalid on their own; kept in the spill_rejected table of timeseries.db, not retried.',
      registers,
    });
    this.writeSeconds = new Histogram({
      name: 'afferent_hub_influx_write_seconds',
      help: 'Duration of successful write requests.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }

  retried(reason: RetryReason): void {
    this.writes.inc({ outcome: 'retry' });
    this.retries.inc({ reason });
  }
}
