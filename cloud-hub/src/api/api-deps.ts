import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault,
} from 'fastify';
import type { AlarmsApi } from '../alarms/alarms.js';
import type { EventBus } from '../bus/event-bus.js';
import type { CommandService } from '../commands/command-service.js';
import type { DesiredConfigService } from '../fleet/desired-config-service.js';
import type { ProvisioningService } from '../fleet/provisioning-service.js';
import type { Logger } from '../logging/logger.js';
import type { HubMetrics } from '../metrics/hub-metrics.js';
import type { Registry } from '../registry/registry.js';
import type { AuditAction } from '../registry/audit-log.js';
import type { Role } from '../registry/token-registry.js';
import type { TimeseriesStore } from '../timeseries/timeseries-store.js';

/** What the API needs from the rest of the hub. */
export interface ApiDeps {
  registry: Registry;
  timeseries: TimeseriesStore;
  metrics: HubMetrics;
  logger: Logger;
  /** Live events, streamed by GET /api/v1/events. */
  bus: EventBus;
  /** Commands to devices and their ledger. */
  commands: CommandService;
  /** Alarm records, their history, and acknowledging or clearing them. */
  alarms: AlarmsApi;
  /** Creating, provisioning, disabling and rotating gateways. */
  provisioning: ProvisioningService;
  /** Desired configurations of gateways and what they report. */
  configs: DesiredConfigService;
  /** Per-token request limits; absent: none. */
  rateLimit?: RateLimitSettings;
  /** The clock for default time ranges (tests pin it). */
  now?: () => number;
}

/** At most `max` requests per `windowMs` per token (per client address for requests without a valid token). */
export interface RateLimitSettings {
  max: number;
  windowMs: number;
}

export type HubFastify = FastifyInstance<
  RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider
>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least role a route needs; 'public' for none. Routes that do not say need viewer. */
    role?: Role | 'public';
    /** Only platform tokens (no tenant) may call it. */
    platform?: boolean;
    /** The audit action this route performs: refused and failed attempts are recorded under it too. */
    audit?: AuditAction;
  }
}
