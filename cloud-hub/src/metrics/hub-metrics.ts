import { Counter, Gauge, Histogram, Registry, Summary, collectDefaultMetrics } from 'prom-client';

/**
 * The hub's Prometheus metrics, in a registry of its own (never prom-client's
 * global one), so two hubs in one process (tests) do not share counters.
 */
export class HubMetrics {
  readonly registry = new Registry();

  /**
   * Node's own metrics (CPU, memory, event-loop delay, GC) under `afferent_hub_`.
   * Only the process entry point asks for them: they start timers and hooks
   * that a test creating many hubs should not pile up.
   */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry, prefix: 'afferent_hub_' });
  }

  readonly batchesIngested = new Counter({
    name: 'afferent_hub_batches_ingested_total',
    help: 'Telemetry batches stored (and acked).',
    registers: [this.registry],
  });
  readonly readingsIngested = new Counter({
    name: 'afferent_hub_readings_ingested_total',
    help: 'Readings (one device at one time) stored.',
    registers: [this.registry],
  });
  readonly pointsIngested = new Counter({
    name: 'afferent_hub_points_ingested_total',
    help: 'Point values stored.',
    registers: [this.registry],
  });
  readonly rejectedBatches = new Counter({
    name: 'afferent_hub_rejected_batches_total',
    help: 'Telemetry batches not stored: malformed (not JSON) and invalid (breaks the contract) are acked anyway; store_error and store_full (the InfluxDB spill queue is at its bound) are not acked, so the agent resends.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly duplicateBatches = new Counter({
    name: 'afferent_hub_duplicate_batches_total',
    help: 'Telemetry batches received again after they were stored (acked again, stored once).',
    registers: [this.registry],
  });
  readonly pointProblems = new Counter({
    name: 'afferent_hub_point_problems_total',
    help: 'Point values that disagree with the profile: unknown_point (stored anyway), wrong_type (dropped).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly droppedReadings = new Counter({
    name: 'afferent_hub_dropped_readings_total',
    help: 'Readings dropped whole: foreign_device (the device belongs to another gateway).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly devicesAutoRegistered = new Counter({
    name: 'afferent_hub_devices_auto_registered_total',
    help: 'Devices first seen in telemetry, registered with profile "unknown".',
    registers: [this.registry],
  });
  readonly deviceConflicts = new Counter({
    name: 'afferent_hub_device_conflicts_total',
    help: 'Inventory entries claiming a device id that another gateway owns (the first owner keeps it).',
    registers: [this.registry],
  });
  readonly rejectedMessages = new Counter({
    name: 'afferent_hub_rejected_messages_total',
    help: 'Status, inventory and command-result messages that break the contract (or report on a command the gateway was not sent).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly commandSteps = new Counter({
    name: 'afferent_hub_command_steps_total',
    help: 'Commands reaching each status (queued, sent, delivered, and every outcome).',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly ingestLatency = new Histogram({
    name: 'afferent_hub_ingest_latency_seconds',
    help: 'From receiving a telemetry batch to its commit.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly sampleAge = new Summary({
    name: 'afferent_hub_sample_age_seconds',
    help: 'Freshness: from a reading\'s sample time at the edge to its commit at the hub, over the last minute (needs synchronised clocks; a backfill after an outage shows here too).',
    percentiles: [0.5, 0.9, 0.99],
    maxAgeSeconds: 60,
    ageBuckets: 6,
    registers: [this.registry],
  });
  readonly connectedGateways = new Gauge({
    name: 'afferent_hub_connected_gateways',
    help: 'Gateways with at least one open MQTT connection.',
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'afferent_hub_api_rate_limited_total',
    help: 'API requests answered 429: by a token over its limit, or by an address without a valid token.',
    labelNames: ['by'] as const,
    registers: [this.registry],
  });
  readonly refusedConnections = new Counter({
    name: 'afferent_hub_refused_connections_total',
    help: 'MQTT connections refused, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly refusedPublishes = new Counter({
    name: 'afferent_hub_refused_publishes_total',
    help: 'MQTT publishes (and wills) refused: a gateway may publish only under its own topics.',
    registers: [this.registry],
  });
  readonly refusedSubscriptions = new Counter({
    name: 'afferent_hub_refused_subscriptions_total',
    help: 'MQTT subscriptions refused (granted QoS 128).',
    registers: [this.registry],
  });
}
