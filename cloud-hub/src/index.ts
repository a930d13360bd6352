export { startHub, type RunningHub, type StartHubOptions } from './hub.js';
export { buildServer, type ApiDeps, type HubFastify } from './api/server.js';
export { ERROR_CATALOGUE, ApiError, type ErrorCode, type ErrorResponse } from './api/errors.js';
export {
  DEFAULT_HUB_CONFIG, HubConfigFileSchema, LOG_LEVELS, checkHubConfigText, loadHubConfigFile, resolveHubConfig,
  type HubConfig, type HubConfigFile, type HubConfigOverrides, type LogLevel,
} from './config/hub-config.js';
export { checkHubConfigFile } from './config/check-config.js';
export { parseHubArgs, USAGE, UsageError, type HubCommand } from './config/cli-args.js';
export { createLogger, type Logger } from './logging/logger.js';
export { HubMetrics } from './metrics/hub-metrics.js';
export { Registry } from './registry/registry.js';
export { GatewayExistsError, type GatewayRecord, type PasswordCheck } from './registry/gateway-registry.js';
export { UNKNOWN_PROFILE, type DeviceRecord, type ClaimOutcome } from './registry/device-registry.js';
export type { ProfileEntry, ProfileSource } from './registry/profile-registry.js';
export { ROLES, roleAtLeast, type Role, type TokenIdentity } from './registry/token-registry.js';
export { SqliteTimeseriesStore, type SqliteStoreOptions } from './timeseries/sqlite/sqlite-timeseries-store.js';
export { InfluxTimeseriesStore, type InfluxStoreOptions } from './timeseries/influx/influx-timeseries-store.js';
export { openTimeseriesStore } from './timeseries/open-timeseries-store.js';
export {
  DEFAULT_TIMESERIES_CONFIG, TimeseriesConfigSchema, type InfluxConfig, type TimeseriesConfig,
} from './timeseries/timeseries-config.js';
export {
  AGGREGATE_FUNCTIONS, type AggregateFunction, type AggregateQuery, type LatestValue, type QueryResult, type RawQuery,
  type Sample, type SampleValue, type TimedValue, type TimeseriesStore, type ValueKind,
} from './timeseries/timeseries-store.js';
