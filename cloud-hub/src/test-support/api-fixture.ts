import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer, type HubFastify } from '../api/server.js';
import { InProcessEventBus } from '../bus/event-bus.js';
import { createLogger } from '../logging/logger.js';
import { HubMetrics } from '../metrics/hub-metrics.js';
import { Registry } from '../registry/registry.js';
import { SqliteTimeseriesStore } from '../timeseries/sqlite/sqlite-timeseries-store.js';

export const NOW = Date.UTC(2026, 0, 31, 12, 0, 0);

/** The API over a real registry and store in a temp folder, with one token per role; no listening socket. */
export async function apiFixture() {
  const dir = mkdtempSync(join(tmpdir(), 'afferent-api-'));
  const registry = Registry.open(dir);
  registry.profiles.loadLibrary();
  const timeseries = new SqliteTimeseriesStore(join(dir, 'timeseries.db'));
  const metrics = new HubMetrics();
  const bus = new InProcessEventBus();
  const app: HubFastify = await buildServer({ registry, timeseries, metrics, bus, logger: createLogger('silent'), now: () => NOW });
  const tokens = {
    viewer: registry.tokens.create('viewer', 'test viewer'),
    operator: registry.tokens.create('operator', 'test operator'),
    admin: registry.tokens.create('admin', 'test admin'),
  };
  const auth = (role: keyof typeof tokens) => ({ authorization: `Bearer ${tokens[role]}` });
  return {
    dir, registry, timeseries, metrics, bus, app, tokens, auth,
    async close() {
      await app.close();
      timeseries.close();
      registry.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
export type ApiFixture = Awaited<ReturnType<typeof apiFixture>>;
