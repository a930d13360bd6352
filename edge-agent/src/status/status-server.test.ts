import { afterEach, describe, expect, it } from 'vitest';
import { AgentMetrics } from './agent-metrics.js';
import { startStatusServer, type HealthReport, type StatusServer } from './status-server.js';

const servers: StatusServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const HEALTH: HealthReport = {
  ok: true, gateway: 'gw-1', version: '0.1.0', config: 0,
  uplink: { connected: false, unacknowledged: 0 },
  backlog: { batches: 2, readings: 7, bytes: 300, dropped: 5 },
  devices: { 'meter-1': { reachable: true, readErrors: 1, latencyMs: 3, lastRead: 1000 } },
  alarms: { 'meter-1': { overvoltage: { since: 900, values: { voltage: 255 } } } },
};

async function serve() {
  const outbox = { batches: 2, readings: 7, bytes: 300, oldest: Date.now() - 4000, dropped: 5 };
  const metrics = new AgentMetrics({ outbox: () => outbox, uplinkConnected: () => true, activeAlarms: () => 1 });
  const server = await startStatusServer({ host: '127.0.0.1', port: 0, metrics, health: () => HEALTH });
  servers.push(server);
  return { server, metrics, outbox };
}

describe('status server', () => {
  it('listens on a free port when asked for port 0, and says which', async () => {
    const { server } = await serve();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
  });

  it('serves /healthz as JSON', async () => {
    const { server } = await serve();
    const response = await fetch(`${server.url}/healthz`);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual(HEALTH);
  });

  it('serves /metrics in the Prometheus text format, with outbox and uplink read at scrape time', async () => {
    const { server, metrics, outbox } = await serve();
    metrics.readings.inc({ device: 'meter-1' }, 3);
    metrics.points.inc({ device: 'meter-1' }, 12);
    metrics.readErrors.inc({ device: 'meter-1', kind: 'timeout' });
    metrics.readLatency.observe({ device: 'meter-1' }, 0.02);
    metrics.batchesSent.inc(4);
    metrics.batchesAcked.inc(3);
    metrics.batchesResent.inc(1);
    const response = await fetch(`${server.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    for (const line of [
      'afferent_agent_readings_total{device="meter-1"} 3',
      'afferent_agent_points_total{device="meter-1"} 12',
      'afferent_agent_read_errors_total{device="meter-1",kind="timeout"} 1',
      'afferent_agent_read_latency_seconds_bucket{le="0.025",device="meter-1"} 1',
      'afferent_agent_read_latency_seconds_count{device="meter-1"} 1',
      'afferent_agent_outbox_batches 2',
      'afferent_agent_outbox_readings 7',
      'afferent_agent_outbox_bytes 300',
      'afferent_agent_outbox_dropped_readings_total 5',
      'afferent_agent_uplink_connected 1',
      'afferent_agent_uplink_batches_sent_total 4',
      'afferent_agent_uplink_batches_acked_total 3',
      'afferent_agent_uplink_batches_resent_total 1',
    ]) expect(text).toContain(line);
    expect(Number(/^afferent_agent_outbox_oldest_age_seconds (\S+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(4);
    // The dropped counter follows the outbox's persisted count.
    outbox.dropped = 6;
    expect(await (await fetch(`${server.url}/metrics`)).text()).toContain('afferent_agent_outbox_dropped_readings_total 6');
  });

  it('answers 404 for other paths and 405 for other methods', async () => {
    const { server } = await serve();
    expect((await fetch(`${server.url}/`)).status).toBe(404);
    expect((await fetch(`${server.url}/healthz`, { method: 'POST' })).status).toBe(405);
  });
});
