import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAlarms } from '../alarms/alarms.js';
import type { RateLimitSettings } from '../api/api-deps.js';
import { buildServer, type HubFastify } from '../api/server.js';
import type { Command, DesiredConfig } from '@afferent/device-profiles';
import { InProcessEventBus } from '../bus/event-bus.js';
import { CommandLedger } from '../commands/command-ledger.js';
import { CommandService } from '../commands/command-service.js';
import { DesiredConfigService } from '../fleet/desired-config-service.js';
import { ProvisioningService } from '../fleet/provisioning-service.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { HubMetrics } from '../metrics/hub-metrics.js';
import { Registry } from '../registry/registry.js';
import type { Role } from '../registry/token-registry.js';
import { SqliteTimeseriesStore } from '../timeseries/sqlite/sqlite-timeseries-store.js';

export const NOW = Date.UTC(2026, 0, 31, 12, 0, 0);

/**
 * The API over a real registry and stores in a temp folder, with one platform
 * token per role (`token()` makes more, of a tenant); no listening socket.
 */
export async function apiFixture(options: { resultTimeoutMs?: number; rateLimit?: RateLimitSettings; logger?: Logger } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'afferent-api-'));
  const registry = Registry.open(dir);
  registry.profiles.loadLibrary();
  const timeseries = new SqliteTimeseriesStore(join(dir, 'timeseries.db'));
  const metrics = new HubMetrics();
  const bus = new InProcessEventBus();
  const logger = options.logger ?? createLogger('silent');
  // Commands go to `published` instead of a broker; a gateway listens when a test adds it to `listening`.
  const published: { gateway: string; command: Command }[] = [];
  const listening = new Set<string>();
  const ledger = CommandLedger.open(dir);
  const commands = new CommandService({
    ledger, registry, bus, logger, metrics, defaultExpiryMs: 60_000, resultTimeoutMs: options.resultTimeoutMs ?? 30_000,
    deliver: (gateway, command) => void published.push({ gateway, command }),
    isReady: (gateway) => listening.has(gateway),
  });
  const alarms = openAlarms({ dataDir: dir, config: { webhooks: [], rules: [] }, registry, bus, metrics, logger, ack: () => {} });
  // No broker either: dropped connections and published configs are recorded for the test to see.
  const dropped: string[] = [];
  const configsPublished: { gateway: string; config: DesiredConfig }[] = [];
  const provisioning = new ProvisioningService({
    registry, logger, tokenExpiryMs: 86_400_000,
    connections: { drop: async (gateway) => dropped.push(gateway) },
    endpoints: () => ({ api: 'https://hub.test:8080', mqtt: 'mqtts://hub.test:8883' }),
  });
  const configs = new DesiredConfigService({ registry, logger, publish: (gateway, config) => void configsPublished.push({ gateway, config }) });
  const app: HubFastify = await buildServer({ registry, timeseries, metrics, bus, commands, alarms, provisioning, configs, logger, now: () => NOW,
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
  });
  const token = (role: Role, name: string, tenant: string | null = null) => registry.tokens.create(role, name, { tenant }).token;
  const tokens = { viewer: token('viewer', 'test viewer'), operator: token('operator', 'test operator'), admin: token('admin', 'test admin') };
  const auth = (role: keyof typeof tokens) => bearer(tokens[role]);
  return {
    dir, registry, timeseries, metrics, bus, alarms, app, tokens, auth, token, commands, published, listening, dropped, configsPublished, configs,
    async close() {
      await app.close();
      commands.stop();
      ledger.close();
      await alarms.close();
      timeseries.close();
      registry.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
export type ApiFixture = Awaited<ReturnType<typeof apiFixture>>;

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
