import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DurationSchema, parseDuration, type Problem } from '@afferent/device-profiles';
import { Type, type Static } from 'typebox';

/** The `timeseries:` section of the hub configuration. */

/** Tag names the hub writes itself (device, gateway, tenant), or that InfluxDB reserves. */
const RESERVED_TAGS = ['device', 'gateway', 'tenant', 'time'];

const InfluxSchema = Type.Object(
  {
    url: Type.String({ pattern: '^https?://[^\\s/?#]+(/[^\\s?#]*)?$', expected: 'an http:// or https:// URL, e.g. http://influxdb:8086' }),
    org: Type.String({ minLength: 1, maxLength: 256, expected: 'the InfluxDB organisation (name or id)' }),
    bucket: Type.String({ minLength: 1, maxLength: 256, expected: 'the InfluxDB bucket' }),
    token: Type.Optional(Type.String({ minLength: 1, expected: 'an InfluxDB API token (prefer tokenFile)' })),
    tokenFile: Type.Optional(Type.String({ minLength: 1, expected: 'a file holding the InfluxDB API token' })),
    batchLines: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, expected: 'lines per write request, 1–100000' })),
    flushInterval: Type.Optional(DurationSchema),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 16, expected: 'write requests in flight, 1–16' })),
    timeout: Type.Optional(DurationSchema),
    spillMaxMiB: Type.Optional(Type.Integer({ minimum: 1, expected: 'the spill queue bound in MiB' })),
    /** Waits between failed writes: from min, doubling, up to max (a Retry-After from InfluxDB wins). */
    backoff: Type.Optional(Type.Object({ min: Type.Optional(DurationSchema), max: Type.Optional(DurationSchema) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export const TimeseriesConfigSchema = Type.Object(
  {
    store: Type.Optional(Type.Enum(['sqlite', 'influxdb'] as const)),
    /** Device labels written as InfluxDB tags. */
    labels: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$', expected: 'a device label name' }), { maxItems: 16 })),
    retention: Type.Optional(Type.Object({ raw: Type.Optional(DurationSchema), rollup: Type.Optional(DurationSchema) }, { additionalProperties: false })),
    influx: Type.Optional(InfluxSchema),
  },
  { additionalProperties: false },
);
export type TimeseriesConfigFile = Static<typeof TimeseriesConfigSchema>;

export interface InfluxConfig {
  url: string;
  org: string;
  bucket: string;
  /** Exactly one of these; a token file is read at start, so it can be rotated by a restart. */
  token?: string;
  tokenFile?: string;
  batchLines: number;
  flushIntervalMs: number;
  concurrency: number;
  timeoutMs: number;
  spillMaxBytes: number;
  backoff: { minMs: number; maxMs: number };
}

export interface TimeseriesConfig {
  store: 'sqlite' | 'influxdb';
  labels: string[];
  retention: { rawMs: number; rollupMs: number };
  influx?: InfluxConfig;
}

export const DEFAULT_TIMESERIES_CONFIG: Readonly<TimeseriesConfig> = Object.freeze({
  store: 'sqlite',
  labels: [],
  retention: { rawMs: 7 * 86_400_000, rollupMs: 90 * 86_400_000 },
});

const INFLUX_DEFAULTS = {
  batchLines: 5000, flushIntervalMs: 1000, concurrency: 2, timeoutMs: 10_000, spillMaxBytes: 1024 * 1024 * 1024, backoffMinMs: 1000, backoffMaxMs: 30_000,
};

const ms = (text: string | undefined, fallback: number) => (text !== undefined ? parseDuration(text) : fallback);

/** Defaults filled in; `tokenFile` resolved against `fileDir`. Call only on a section that passed `checkTimeseriesConfig`. */
export function resolveTimeseriesConfig(file: TimeseriesConfigFile = {}, fileDir: string): TimeseriesConfig {
  const d = DEFAULT_TIMESERIES_CONFIG;
  const influx = file.influx;
  return {
    store: file.store ?? d.store,
    labels: file.labels ?? d.labels,
    retention: {
      rawMs: ms(file.retention?.raw, d.retention.rawMs),
      rollupMs: ms(file.retention?.rollup, d.retention.rollupMs),
    },
    ...(influx ? {
      influx: {
        url: influx.url,
        org: influx.org,
        bucket: influx.bucket,
        ...(influx.token !== undefined ? { token: influx.token } : {}),
        ...(influx.tokenFile !== undefined ? { tokenFile: resolve(fileDir, influx.tokenFile) } : {}),
        batchLines: influx.batchLines ?? INFLUX_DEFAULTS.batchLines,
        flushIntervalMs: ms(influx.flushInterval, INFLUX_DEFAULTS.flushIntervalMs),
        concurrency: influx.concurrency ?? INFLUX_DEFAULTS.concurrency,
        timeoutMs: ms(influx.timeout, INFLUX_DEFAULTS.timeoutMs),
        spillMaxBytes: influx.spillMaxMiB !== undefined ? influx.spillMaxMiB * 1024 * 1024 : INFLUX_DEFAULTS.spillMaxBytes,
        backoff: { minMs: ms(influx.backoff?.min, INFLUX_DEFAULTS.backoffMinMs), maxMs: ms(influx.backoff?.max, INFLUX_DEFAULTS.backoffMaxMs) },
      },
    } : {}),
  };
}

/** What the schema cannot say: fields that depend on each other, and the token file. Paths are under `timeseries`. */
export function checkTimeseriesConfig(file: TimeseriesConfigFile, fileDir: string): Problem[] {
  const problems: Problem[] = [];
  const at = (...path: (string | number)[]) => ['timeseries', ...path];
  if (file.store === 'influxdb' && !file.influx) {
    problems.push({ path: at('store'), message: 'store: influxdb needs an influx: section (url, org, bucket, token or tokenFile)' });
  }
  const influx = file.influx;
  if (influx && (influx.token === undefined) === (influx.tokenFile === undefined)) {
    problems.push({ path: at('influx'), message: 'give exactly one of token and tokenFile' });
  }
  if (influx?.tokenFile !== undefined && !existsSync(resolve(fileDir, influx.tokenFile))) {
    problems.push({ path: at('influx', 'tokenFile'), message: `no such file: ${resolve(fileDir, influx.tokenFile)}` });
  }
  (file.labels ?? []).forEach((label, index) => {
    if (RESERVED_TAGS.includes(label) || label.startsWith('_')) {
      problems.push({ path: at('labels', index), message: `"${label}" is a tag the hub writes or keeps for itself (${RESERVED_TAGS.join(', ')}, or starting with _)` });
    }
  });
  const raw = ms(file.retention?.raw, DEFAULT_TIMESERIES_CONFIG.retention.rawMs);
  const rollup = ms(file.retention?.rollup, DEFAULT_TIMESERIES_CONFIG.retention.rollupMs);
  if (raw < 3_600_000) problems.push({ path: at('retention', 'raw'), message: 'keep raw samples at least 1h (minutes are rolled up a minute after they end)' });
  const backoff = influx?.backoff;
  if (backoff && ms(backoff.min, INFLUX_DEFAULTS.backoffMinMs) > ms(backoff.max, INFLUX_DEFAULTS.backoffMaxMs)) {
    problems.push({ path: at('influx', 'backoff'), message: 'min is longer than max' });
  }
  if (rollup < raw) problems.push({ path: at('retention', 'rollup'), message: `keep rollups at least as long as raw samples (${file.retention?.raw ?? '7d'})` });
  return problems;
}
