import { Counter, Gauge, type Registry } from 'prom-client';

/** Metrics of the embedded store's retention and downsampling. */
export class EmbeddedStoreMetrics {
  readonly deleted: Counter<'tier'>;
  readonly expired: Counter;
  readonly maintenanceSeconds: Gauge;
  readonly maintenanceFailures: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.deleted = new Counter({
      name: 'afferent_hub_timeseries_retention_deleted_total',
      help: 'Rows deleted by retention: tier="raw" samples (already rolled up), tier="rollup" minute rollups.',
      labelNames: ['tier'] as const,
      registers,
    });
    this.expired = new Counter({
      name: 'afferent_hub_timeseries_expired_samples_total',
      help: 'Samples older than the rollup retention when they arrived: not stored (retention would delete them at once).',
      registers,
    });
    this.maintenanceSeconds = new Gauge({
      name: 'afferent_hub_timeseries_maintenance_seconds',
      help: 'Duration of the last rollup and retention run (it runs in short steps between ingest commits).',
      registers,
    });
    this.maintenanceFailures = new Counter({
      name: 'afferent_hub_timeseries_maintenance_failures_total',
      help: 'Rollup and retention runs that failed (logged; the next run starts over where this one stopped).',
      registers,
    });
  }
}
