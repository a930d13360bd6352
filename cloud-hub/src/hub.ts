import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { formatProblem } from '@afferent/device-profiles';
import { bootstrapAdminToken } from './access/admin-token.js';
import { publishAck, subscribeHandlers } from './access/broker-bridge.js';
import { trackGatewayPresence } from './access/gateway-presence.js';
import { createMqttAuth } from './access/mqtt-auth.js';
import { startMqttListener, type MqttListener } from './access/mqtt-listener.js';
import { buildServer, type HubFastify } from './api/server.js';
import { InProcessEventBus, type EventBus } from './bus/event-bus.js';
import type { HubConfig } from './config/hub-config.js';
import { BatchLedger } from './ingest/batch-ledger.js';
import { createInventoryHandler } from './ingest/inventory-handler.js';
import { createStatusHandler } from './ingest/status-handler.js';
import { createTelemetryHandler } from './ingest/telemetry-handler.js';
import { TelemetryIngest } from './ingest/telemetry-ingest.js';
import { createLogger, type Logger } from './logging/logger.js';
import { HubMetrics } from './metrics/hub-metrics.js';
import { Registry } from './registry/registry.js';
import { openTimeseriesStore } from './timeseries/open-timeseries-store.js';

export interface StartHubOptions {
  /** Defaults to JSON lines on stdout at `config.logLevel`. */
  logger?: Logger;
  /** The bootstrap admin token; defaults to the AFFERENT_ADMIN_TOKEN environment variable. */
  adminToken?: string;
}

export interface RunningHub {
  /** e.g. http://127.0.0.1:8080 (a wildcard bind address is reported as 127.0.0.1). */
  apiUrl: string;
  /** e.g. mqtt://127.0.0.1:1883 */
  mqttUrl: string;
  /**
   * Set only when this start generated the first admin token (no
   * AFFERENT_ADMIN_TOKEN and none stored yet). Show it once; it is not kept.
   */
  generatedAdminToken?: string;
  registry: Registry;
  metrics: HubMetrics;
  bus: EventBus;
  /** Close the MQTT listener, the broker and the API, store what is queued, close the databases. */
  stop(): Promise<void>;
}

function reachable(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Start a hub: registry, time series, MQTT access, ingest and the API. */
export async function startHub(config: HubConfig, options: StartHubOptions = {}): Promise<RunningHub> {
  const logger = options.logger ?? createLogger(config.logLevel);
  mkdirSync(config.dataDir, { recursive: true });
  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        logger.error({ err: error }, 'error while stopping the hub');
      }
    }
  };

  try {
    const registry = Registry.open(config.dataDir);
    cleanups.push(() => registry.close());
    for (const problem of registry.profiles.loadLibrary(config.profileDirs)) {
      logger.warn({ problem: formatProblem(problem) }, 'profile not loaded');
    }
    registry.gateways.markAllOffline();
    const { generated } = bootstrapAdminToken(registry.tokens, options.adminToken ?? process.env.AFFERENT_ADMIN_TOKEN);

    const metrics = new HubMetrics();
    const timeseries = openTimeseriesStore(config.timeseries, {
      path: join(config.dataDir, 'timeseries.db'), devices: registry.devices, metrics: metrics.registry, logger,
    });
    cleanups.push(() => timeseries.close());
    const bus = new InProcessEventBus((error) => logger.error({ err: error }, 'an event listener failed'));

    const auth = createMqttAuth({ gateways: registry.gateways, metrics, logger });
    const mqtt: MqttListener = await startMqttListener({ host: config.mqtt.host, port: config.mqtt.port, auth, logger });
    let accepting = true;
    const ack = (gateway: string, ackPayload: Parameters<typeof publishAck>[2]) => publishAck(mqtt.broker, gateway, ackPayload, logger);
    const ingest = new TelemetryIngest({ store: timeseries, ledger: new BatchLedger(timeseries.database), registry, metrics, logger, ack, bus });
    // Stop order: no new messages, then store what is queued, then close the stores.
    cleanups.push(() => ingest.flush());
    cleanups.push(async () => {
      accepting = false;
      await mqtt.close();
    });
    trackGatewayPresence(mqtt.broker, { gatewayOf: auth.gatewayOf, gateways: registry.gateways, metrics, logger, bus });
    const whileAccepting = (handler: (gateway: string, payload: Buffer) => void) =>
      (gateway: string, payload: Buffer) => { if (accepting) handler(gateway, payload); };
    await subscribeHandlers(mqtt.broker, {
      telemetry: whileAccepting(createTelemetryHandler({ ingest, metrics, logger, ack })),
      status: whileAccepting(createStatusHandler({ gateways: registry.gateways, metrics, logger })),
      inventory: whileAccepting(createInventoryHandler({ registry, metrics, logger })),
    }, logger);

    const api: HubFastify = await buildServer({ registry, timeseries, metrics, logger, bus });
    cleanups.push(() => api.close());
    await api.listen({ host: config.http.host, port: config.http.port });
    const httpPort = (api.server.address() as AddressInfo).port;

    const hub: RunningHub = {
      apiUrl: `http://${reachable(config.http.host)}:${httpPort}`,
      mqttUrl: `mqtt://${reachable(config.mqtt.host)}:${mqtt.port}`,
      registry,
      metrics,
      bus,
      stop: cleanup,
      ...(generated !== undefined ? { generatedAdminToken: generated } : {}),
    };
    logger.info({ api: hub.apiUrl, mqtt: hub.mqttUrl, dataDir: config.dataDir }, 'hub started');
    return hub;
  } catch (error) {
    await cleanup();
    throw error;
  }
}
