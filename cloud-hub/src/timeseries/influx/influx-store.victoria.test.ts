import { afterEach, describe, expect, it } from 'vitest';
import { batch, DEVICES, hubMetric, influxGateway, influxHubConfig, POINTS_PER_READING } from '../../test-support/influx-bed.js';
import { InfluxRelay } from '../../test-support/influx-relay.js';
import { ADMIN_TOKEN, countRows, publishTelemetry, TestBed } from '../../test-support/test-hub.js';
import { VictoriaMetrics, type ExportedSeries } from '../../test-support/victoria-metrics.js';
import { waitFor } from '@afferent/testkit';

/**
 * The InfluxDB store against a real server that speaks the InfluxDB v2 write
 * API (VictoriaMetrics), through the hub's whole ingest path: MQTT in, spill
 * queue, drainer, /api/v2/write. Points are counted on the server.
 */
describe('InfluxDB store, writing to VictoriaMetrics', () => {
  const bed = new TestBed();
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await bed.cleanup();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function startVm(): Promise<VictoriaMetrics> {
    const vm = await VictoriaMetrics.start();
    cleanups.push(() => vm.stop());
    return vm;
  }

  async function startRelay(upstream: string): Promise<{ relay: InfluxRelay; url: string }> {
    const relay = new InfluxRelay(upstream);
    const url = await relay.listen();
    cleanups.push(() => relay.close());
    return { relay, url };
  }

  /** Points on the server per (device, field), counting every stored sample (duplicates too). */
  async function pointsOnServer(vm: VictoriaMetrics): Promise<Map<string, number[]>> {
    const series: ExportedSeries[] = await vm.export('{__name__=~"eastron-sdm120_.*"}');
    return new Map(series.map((s) => [`${s.metric.device}.${s.metric.__name__}`, s.timestamps]));
  }

  /** Wait until the server holds `expected` points per series, then check none is there twice. */
  async function expectExactly(vm: VictoriaMetrics, timestamps: number[]): Promise<void> {
    const want = [...timestamps].sort((a, b) => a - b);
    const series = await waitFor('every point on the server', async () => {
      const found = await pointsOnServer(vm);
      const total = [...found.values()].reduce((n, ts) => n + ts.length, 0);
      return total >= want.length * DEVICES.length * POINTS_PER_READING ? found : undefined;
    }, 30_000, 250);
    expect(series.size).toBe(DEVICES.length * POINTS_PER_READING);
    for (const [name, ts] of series) expect([...ts].sort((a, b) => a - b), name).toEqual(want);
  }

  const timesOf = (seqs: number[], readings: number, t0: number) => seqs.flatMap((seq) => batch(seq, readings, t0).readings
    .filter((r) => r.d === DEVICES[0]).map((r) => r.t));

  it('writes what the hub ingests: measurement = profile, tags = device, gateway, tenant and chosen labels, fields = points', async () => {
    const vm = await startVm();
    const hub = await bed.hub(influxHubConfig(bed, vm.url));
    const { send } = await influxGateway(bed, hub);
    const t0 = Date.now() - 600_000;
    const seqs = Array.from({ length: 20 }, (_, i) => i + 1);
    for (const seq of seqs) await send(batch(seq, 5, t0));

    await expectExactly(vm, timesOf(seqs, 5, t0));
    const [relay] = await vm.export(`{__name__="eastron-sdm120_relay",device="meter-1"}`);
    expect(relay!.metric).toEqual({ __name__: 'eastron-sdm120_relay', device: 'meter-1', gateway: 'gw-1', tenant: 'default', site: 'plant-a' });
    expect(relay!.values.slice(0, 2)).toEqual([1, 0]); // bool fields arrive as booleans (VictoriaMetrics shows them as 1/0)
    await waitFor('an empty spill queue', async () => (await hubMetric(hub, 'afferent_hub_influx_spill_rows')) === 0);
    expect(await hubMetric(hub, 'afferent_hub_influx_points_written_total')).toBe(seqs.length * 5 * DEVICES.length * POINTS_PER_READING);
    // Latest values stay local (they serve the device list), whatever the store.
    const latest = await fetch(`${hub.apiUrl}/api/v1/devices/meter-1/latest`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(((await latest.json()) as { latest: Record<string, unknown> }).latest.voltage).toEqual({ value: 232, t: t0 + 20 * 1000 + 4 });
  });

  it('loses and duplicates nothing when VictoriaMetrics is killed in the middle of a stream, and keeps acking meanwhile', async () => {
    const vm = await startVm();
    const { relay, url } = await startRelay(vm.url);
    const hub = await bed.hub(influxHubConfig(bed, url));
    const { send } = await influxGateway(bed, hub);
    const t0 = Date.now() - 600_000;
    let seq = 0;
    const sendNext = () => send(batch(++seq, 3, t0));

    while (seq < 15) await sendNext();
    await waitFor('writes reaching the server', () => relay.log.some((r) => r.status === 204));
    // Catch a write in flight: the next request waits in the relay; the server has persisted all it acked.
    relay.hold();
    while (relay.heldCount === 0) await sendNext();
    await waitFor('the other writes to finish', () => relay.inFlight === 0);
    await vm.persisted();
    await vm.kill();
    relay.release(); // the held write now meets a dead server

    const beforeOutage = seq;
    while (seq < beforeOutage + 15) await sendNext(); // every batch is still acked
    expect(await hubMetric(hub, 'afferent_hub_influx_spill_rows')).toBeGreaterThan(0);
    expect(await hubMetric(hub, 'afferent_hub_influx_write_retries_total', { reason: 'network' })).toBeGreaterThan(0);

    await vm.launch();
    while (seq < beforeOutage + 25) await sendNext();
    await waitFor('the spill queue to drain', async () => (await hubMetric(hub, 'afferent_hub_influx_spill_rows')) === 0, 30_000);
    await expectExactly(vm, timesOf(Array.from({ length: seq }, (_, i) => i + 1), 3, t0));
  });

  it('retries 503 and 429 with backoff, honouring Retry-After, and 500, then delivers once', async () => {
    const vm = await startVm();
    const { relay, url } = await startRelay(vm.url);
    relay.answerNext({ status: 503 }, { status: 429, retryAfter: '1' }, { status: 500 });
    // One request at a time, so the scripted answers meet the requests in order.
    const hub = await bed.hub(influxHubConfig(bed, url, { batchLines: 1000, flushIntervalMs: 200, concurrency: 1 }));
    const { send } = await influxGateway(bed, hub);
    const t0 = Date.now() - 600_000;
    for (const seq of [1, 2, 3]) await send(batch(seq, 4, t0));

    await expectExactly(vm, timesOf([1, 2, 3], 4, t0));
    expect(relay.log.slice(0, 4).map((r) => r.status)).toEqual([503, 429, 500, 204]);
    // The wait after the 429 is what the server asked for (1 s), not the 50–400 ms backoff.
    expect(relay.log[2]!.at - relay.log[1]!.at).toBeGreaterThanOrEqual(950);
    expect(await hubMetric(hub, 'afferent_hub_influx_write_retries_total', { reason: 'server_error' })).toBe(2);
    expect(await hubMetric(hub, 'afferent_hub_influx_write_retries_total', { reason: 'throttled' })).toBe(1);
  });

  it('finds a line the server refuses by splitting the batch, sets it aside, and delivers the rest', async () => {
    const vm = await startVm();
    const { relay, url } = await startRelay(vm.url);
    relay.refuseLines(/,current=2,/);
    const config = influxHubConfig(bed, url, { batchLines: 1000, flushIntervalMs: 300 });
    const hub = await bed.hub(config);
    const { send } = await influxGateway(bed, hub);
    const t0 = Date.now() - 600_000;
    await send(batch(1, 4, t0)); // two lines per batch have current=2 (one per device)

    await waitFor('the spill queue to drain', async () => (await hubMetric(hub, 'afferent_hub_influx_spill_rows')) === 0);
    expect(await hubMetric(hub, 'afferent_hub_influx_rejected_lines_total')).toBe(2);
    expect(countRows(config.dataDir, 'SELECT count(*) AS n FROM spill_rejected WHERE line LIKE ? AND status = 400', '%,current=2,%')).toBe(2);
    const delivered = await waitFor('the six good lines on the server', async () => {
      const found = await pointsOnServer(vm);
      return [...found.values()].reduce((n, ts) => n + ts.length, 0) === 6 * POINTS_PER_READING ? found : undefined;
    });
    expect(delivered.get('meter-1.eastron-sdm120_current')).toHaveLength(3);
  });

  it('stops acking when the spill queue is full, and takes the batches again once InfluxDB drains it', async () => {
    const vm = await startVm();
    const { relay, url } = await startRelay(vm.url);
    relay.setDown(true);
    const hub = await bed.hub(influxHubConfig(bed, url, { spillMaxBytes: 64 * 1024 }));
    const { client, acked } = await influxGateway(bed, hub);
    const t0 = Date.now() - 600_000;
    const seqs = Array.from({ length: 12 }, (_, i) => i + 1);
    for (const seq of seqs) await publishTelemetry(client, 'gw-1', batch(seq, 100, t0)); // ~17 KiB of lines each
    await waitFor('a refused batch', async () => (await hubMetric(hub, 'afferent_hub_rejected_batches_total', { reason: 'store_full' })) > 0);
    expect(seqs.filter((s) => !acked().has(s)).length).toBeGreaterThan(0);

    relay.setDown(false);
    // As the agent does: send again what was not acked in time (a burst may fill the queue again: then once more).
    for (let round = 1; !seqs.every((s) => acked().has(s)); round++) {
      if (round > 20) throw new Error(`batches still unacked after 20 rounds: ${seqs.filter((s) => !acked().has(s)).join(', ')}`);
      for (const seq of seqs.filter((s) => !acked().has(s))) await publishTelemetry(client, 'gw-1', batch(seq, 100, t0));
      await waitFor('acks', () => seqs.every((s) => acked().has(s)), 1000).catch(() => undefined);
    }
    await expectExactly(vm, timesOf(seqs, 100, t0));
  });

  it('keeps the spill queue across a hub restart and ships it when InfluxDB is back', async () => {
    const vm = await startVm();
    const { relay, url } = await startRelay(vm.url);
    relay.setDown(true);
    const config = influxHubConfig(bed, url);
    const { send } = await influxGateway(bed, await bed.hub(config));
    const t0 = Date.now() - 600_000;
    const seqs = [1, 2, 3, 4, 5];
    for (const seq of seqs) await send(batch(seq, 10, t0)); // acked while nothing reaches InfluxDB
    await bed.stop();
    expect(countRows(config.dataDir, 'SELECT count(*) AS n FROM spill')).toBe(seqs.length * 10 * DEVICES.length);

    relay.setDown(false);
    const again = await bed.hub(config);
    await waitFor('the queue left from before to drain', async () => (await hubMetric(again, 'afferent_hub_influx_spill_rows')) === 0, 30_000);
    await expectExactly(vm, timesOf(seqs, 10, t0));
  });
});
