import { readFileSync } from 'node:fs';
import type { Registry as MetricsRegistry } from 'prom-client';
import type { Logger } from '../logging/logger.js';
import { UNKNOWN_PROFILE, type DeviceRecord } from '../registry/device-registry.js';
import { DEFAULT_BACKOFF } from './influx/backoff.js';
import { InfluxTimeseriesStore } from './influx/influx-timeseries-store.js';
import type { SeriesTags } from './influx/line-protocol.js';
import { SqliteTimeseriesStore } from './sqlite/sqlite-timeseries-store.js';
import type { InfluxConfig, TimeseriesConfig } from './timeseries-config.js';
import type { TimeseriesStore } from './timeseries-store.js';

export interface StoreContext {
  /** `timeseries.db`: the embedded store, or the InfluxDB store's local part. */
  path: string;
  devices: { get(id: string): DeviceRecord | undefined };
  /** A gateway's tenant: the InfluxDB tag `tenant`. */
  tenantOf(gateway: string): string | undefined;
  metrics: MetricsRegistry;
  logger: Logger;
}

/** Retention and downsampling of the embedded store run this often. */
const MAINTENANCE_EVERY_MS = 60_000;

/**
 * InfluxDB layout: measurement = the device's profile name, tags = device,
 * gateway, tenant and the configured device labels, fields = points.
 */
export function influxTags(ctx: Pick<StoreContext, 'devices' | 'tenantOf'>, labels: readonly string[]): (device: string) => SeriesTags {
  const { devices } = ctx;
  return (id) => {
    const device = devices.get(id);
    if (!device) return { measurement: UNKNOWN_PROFILE, tags: { device: id } };
    const chosen = Object.fromEntries(labels.filter((l) => device.labels[l] !== undefined).map((l) => [l, device.labels[l]!]));
    const tenant = ctx.tenantOf(device.gateway);
    return { measurement: device.profile, tags: { ...chosen, device: id, gateway: device.gateway, ...(tenant !== undefined ? { tenant } : {}) } };
  };
}

function token(config: InfluxConfig): string {
  if (config.token !== undefined) return config.token;
  const text = readFileSync(config.tokenFile!, 'utf8').trim();
  if (text === '') throw new Error(`timeseries.influx.tokenFile ${config.tokenFile} is empty`);
  return text;
}

/** The store the configuration asks for. */
export function openTimeseriesStore(config: TimeseriesConfig, ctx: StoreContext): TimeseriesStore {
  if (config.store === 'sqlite') {
    return new SqliteTimeseriesStore(ctx.path, {
      retention: config.retention, maintenanceEveryMs: MAINTENANCE_EVERY_MS, metrics: ctx.metrics, logger: ctx.logger,
    });
  }
  const influx = config.influx!;
  return new InfluxTimeseriesStore(ctx.path, {
    target: { url: influx.url, org: influx.org, bucket: influx.bucket, token: token(influx), timeoutMs: influx.timeoutMs },
    tagsOf: influxTags(ctx, config.labels),
    batchLines: influx.batchLines,
    flushIntervalMs: influx.flushIntervalMs,
    concurrency: influx.concurrency,
    spillMaxBytes: influx.spillMaxBytes,
    backoff: { ...DEFAULT_BACKOFF, ...influx.backoff },
    metrics: ctx.metrics,
    logger: ctx.logger,
  });
}
