import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { formatProblem } from '@afferent/device-profiles';
import { bootstrapAdminToken } from './access/admin-token.js';
import { publishAck, publishConfig, subscribeHandlers } from './access/broker-bridge.js';
import { loadTlsMaterial } from './access/tls/tls-material.js';
import { trackGatewayPresence } from './access/gateway-presence.js';
import { openAlarms } from './alarms/alarms.js';
import { createMqttAuth } from './access/mqtt-auth.js';
import { startMqttListener, type MqttListener } from './access/mqtt-listener.js';
import { buildServer, type HubFastify } from './api/server.js';
import { InProcessEventBus, type EventBus } from './bus/event-bus.js';
import { createCommandResultHandler } from './commands/cmd-result-handler.js';
import { publishCommand, trackCommandListeners } from './commands/command-delivery.js';
import { CommandLedger } from './commands/command-ledger.js';
import { CommandService } from './commands/command-service.js';
import type { HubConfig } from './config/hub-config.js';
import { BatchLedger } from './ingest/batch-ledger.js';
import { createConfigStateHandler } from './fleet/config-state-handler.js';
import { DesiredConfigService } from './fleet/desired-config-service.js';
import { ProvisioningService, type HubEndpoints } from './fleet/provisioning-service.js';
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
  /** e.g. http://127.0.0.1:8080, https:// with TLS (a wildcard bind address is reported as 127.0.0.1). */
  apiUrl: string;
  /** Where gateways connect: mqtts://127.0.0.1:8883 with TLS, else mqtt://127.0.0.1:1883. */
  mqttUrl: string;
  /** Every MQTT listener: plain, TLS, or both. */
  mqttUrls: { plain?: string; tls?: string };
  /** The API and MQTT endpoints as the hub advertises them to gateways (its advertised host name). */
  endpoints: HubEndpoints;
  /** SHA-256 of the CA certificate, when the config names one: provisioning tokens carry it. */
  caFingerprint?: string;
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

const isWildcard = (host: string) => host === '0.0.0.0' || host === '::' || host === '';
const bracketed = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

function reachable(host: string): string {
  return isWildcard(host) ? '127.0.0.1' : bracketed(host);
}

/** The name the hub gives out: configured, else the API's bind address, else (bound to every address) this machine's name. */
function advertisedHost(config: HubConfig): string {
  return bracketed(config.advertisedHost ?? (isWildcard(config.http.host) ? hostname() : config.http.host));
}

/** Start a hub: registry, time series, alarms, MQTT access, ingest, commands and the API. */
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

    const ledger = CommandLedger.open(config.dataDir);
    cleanups.push(() => ledger.close());
    const metrics = new HubMetrics();
    const timeseries = openTimeseriesStore(config.timeseries, {
      path: join(config.dataDir, 'timeseries.db'), devices: registry.devices, tenantOf: (gateway) => registry.gateways.tenantOf(gateway), metrics: metrics.registry, logger,
    });
    cleanups.push(() => timeseries.close());
    const bus = new InProcessEventBus((error) => logger.error({ err: error }, 'an event listener failed'));

    const auth = createMqttAuth({ gateways: registry.gateways, metrics, logger });
    const tls = config.tls && loadTlsMaterial(config.tls);
    const mqtt: MqttListener = await startMqttListener({
      host: config.mqtt.host, auth, logger,
      ...(config.mqtt.plain ? { plainPort: config.mqtt.port } : {}),
      ...(tls ? { tls: { port: config.mqtt.tlsPort, key: tls.key, cert: tls.cert } } : {}),
    });
    let accepting = true;
    const ack = (gateway: string, ackPayload: Parameters<typeof publishAck>[2]) => publishAck(mqtt.broker, gateway, ackPayload, logger);
    const ingest = new TelemetryIngest({ store: timeseries, ledger: new BatchLedger(timeseries.database), registry, metrics, logger, ack, bus });
    const alarms = openAlarms({ dataDir: config.dataDir, config: config.alarms, registry, bus, metrics, logger, ack });
    // Stop order: no new messages, then store what is queued, then close the stores.
    cleanups.push(() => alarms.close());
    cleanups.push(() => ingest.flush());
    cleanups.push(async () => {
      accepting = false;
      await mqtt.close();
    });
    const connections = trackGatewayPresence(mqtt.broker, { gatewayOf: auth.gatewayOf, gateways: registry.gateways, metrics, logger, bus });
    // Filled in once the API listens (its port may be 0 until then).
    let endpoints: HubEndpoints | undefined;
    const provisioning = new ProvisioningService({
      registry, connections, logger, tokenExpiryMs: config.provisioning.tokenExpiryMs,
      endpoints: () => endpoints!,
      ...(tls ? { tls } : {}),
    });
    const configs = new DesiredConfigService({ registry, logger, publish: (gateway, desired) => publishConfig(mqtt.broker, gateway, desired, logger) });
    configs.republishAll();

    // The listener table is filled by the broker; the service asks it before sending.
    let listeners: { isListening(gateway: string): boolean } | undefined;
    const commands = new CommandService({
      ledger, registry, bus, logger, metrics,
      deliver: (gateway, command) => publishCommand(mqtt.broker, gateway, command, logger),
      isReady: (gateway) => accepting && (listeners?.isListening(gateway) ?? false),
      ...config.commands,
    });
    listeners = trackCommandListeners(mqtt.broker, { gatewayOf: auth.gatewayOf, listening: (gateway) => commands.gatewayReady(gateway), logger });
    commands.start();
    cleanups.push(() => commands.stop());
    const whileAccepting = (handler: (gateway: string, payload: Buffer) => void) =>
      (gateway: string, payload: Buffer) => { if (accepting) handler(gateway, payload); };
    await subscribeHandlers(mqtt.broker, {
      telemetry: whileAccepting(createTelemetryHandler({ ingest, metrics, logger, ack })),
      alarms: whileAccepting(alarms.handler),
      status: whileAccepting(createStatusHandler({ gateways: registry.gateways, metrics, logger })),
      inventory: whileAccepting(createInventoryHandler({ registry, metrics, logger })),
      'cmd-result': whileAccepting(createCommandResultHandler({ commands, metrics, logger })),
      'config-state': whileAccepting(createConfigStateHandler({ configs, metrics, logger })),
    }, logger);

    const api: HubFastify = await buildServer(
      { registry, timeseries, metrics, logger, bus, commands, alarms, provisioning, configs, ...(config.api.rateLimit ? { rateLimit: config.api.rateLimit } : {}) },
      tls ? { https: { key: tls.key, cert: tls.cert } } : {},
    );
    cleanups.push(() => api.close());
    await api.listen({ host: config.http.host, port: config.http.port });
    const httpPort = (api.server.address() as AddressInfo).port;
    alarms.start();

    const scheme = tls ? 'https' : 'http';
    const mqttUrls = {
      ...(mqtt.ports.plain !== undefined ? { plain: `mqtt://${reachable(config.mqtt.host)}:${mqtt.ports.plain}` } : {}),
      ...(mqtt.ports.tls !== undefined ? { tls: `mqtts://${reachable(config.mqtt.host)}:${mqtt.ports.tls}` } : {}),
    };
    const advertised = advertisedHost(config);
    endpoints = {
      api: `${scheme}://${advertised}:${httpPort}`,
      mqtt: mqtt.ports.tls !== undefined ? `mqtts://${advertised}:${mqtt.ports.tls}` : `mqtt://${advertised}:${mqtt.ports.plain}`,
    };
    const hub: RunningHub = {
      apiUrl: `${scheme}://${reachable(config.http.host)}:${httpPort}`,
      mqttUrl: (mqttUrls.tls ?? mqttUrls.plain)!,
      mqttUrls,
      endpoints,
      ...(tls?.caFingerprint ? { caFingerprint: tls.caFingerprint } : {}),
      registry,
      metrics,
      bus,
      stop: cleanup,
      ...(generated !== undefined ? { generatedAdminToken: generated } : {}),
    };
    logger.info({ api: hub.apiUrl, mqtt: mqttUrls, advertised: endpoints, dataDir: config.dataDir }, 'hub started');
    return hub;
  } catch (error) {
    await cleanup();
    throw error;
  }
}
