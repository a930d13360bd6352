import { DurationSchema } from '@afferent/device-profiles';
import { Type } from 'typebox';
import { AGGREGATE_FUNCTIONS } from '../timeseries/timeseries-store.js';
import { LatestValueSchema, Millis, Value } from './api-schemas.js';
import { labelQuerySchema } from './label-query.js';
import { TenantQuery } from './tenant-scope.js';

/** Query strings and answers of the telemetry routes. */

const POINT = '[A-Za-z_][A-Za-z0-9_]{0,63}';

export const MAX_LIMIT = 100_000;
export const DEFAULT_LIMIT = 10_000;

const RangeAndShape = {
  points: Type.Optional(Type.String({
    pattern: `^${POINT}(,${POINT}){0,99}$`,
    expected: 'point names separated by commas (at most 100), e.g. voltage,current',
  })),
  from: Type.Optional(Type.String({ description: 'ms since the epoch or ISO 8601; default: `to` minus one hour' })),
  to: Type.Optional(Type.String({ description: 'ms since the epoch or ISO 8601; default: now' })),
  every: Type.Optional({ ...DurationSchema, description: 'aggregate into buckets this wide (aligned to the epoch), e.g. 10s, 1m, 1h; raw samples when absent' }),
  fn: Type.Optional(Type.Enum(AGGREGATE_FUNCTIONS, { description: 'aggregate function (with every); default mean' })),
  limit: Type.Optional(Type.Integer({
    minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT, description: 'most values returned, over all series, oldest first',
  })),
  format: Type.Optional(Type.Enum(['json', 'csv'] as const, { description: 'csv: the same as Accept: text/csv' })),
};

export const DeviceTelemetryQuerySchema = Type.Object({
  ...RangeAndShape,
  point: Type.Optional(Type.String({ pattern: `^${POINT}$`, expected: 'a point name', description: 'one point (same as points=)' })),
});

export const LabelTelemetryQuerySchema = Type.Object({
  labels: labelQuerySchema('devices that have all these labels'),
  ...RangeAndShape,
  ...TenantQuery,
});

const Series = Type.Record(Type.String(), Type.Array(Type.Object({ t: Millis, v: Value })), {
  description: 'point → values, oldest first; aggregates are reported at the start of their bucket, empty buckets are left out',
});

const Shape = {
  from: Millis,
  to: Millis,
  every: Type.Optional(Type.Integer({ description: 'bucket width, ms (aggregates only)' })),
  fn: Type.Optional(Type.Enum(AGGREGATE_FUNCTIONS)),
  truncated: Type.Boolean({ description: 'more values matched than `limit`; ask again from the last t' }),
};

export const DeviceTelemetrySchema = Type.Object({ device: Type.String(), ...Shape, points: Series });

export const LabelTelemetrySchema = Type.Object({
  labels: Type.Record(Type.String(), Type.String()),
  ...Shape,
  devices: Type.Record(Type.String(), Series, { description: 'device → point → values' }),
});

export const DeviceLatestSchema = Type.Object({
  device: Type.String(),
  latest: Type.Record(Type.String(), LatestValueSchema, { description: 'newest value of each point' }),
});
