import { performance } from 'node:perf_hooks';
import type { Ack, TelemetryBatch } from '@afferent/device-profiles';
import type { EventBus } from '../bus/event-bus.js';
import type { Logger } from '../logging/logger.js';
import type { HubMetrics } from '../metrics/hub-metrics.js';
import type { Registry } from '../registry/registry.js';
import type { TimeseriesStore } from '../timeseries/timeseries-store.js';
import type { BatchLedger } from './batch-ledger.js';
import { checkBatch, KindLedger, type CheckedBatch } from './reading-check.js';
import { WarnOnce } from './warn-once.js';

export interface TelemetryIngestDeps {
  store: TimeseriesStore;
  ledger: BatchLedger;
  registry: Registry;
  metrics: HubMetrics;
  logger: Logger;
  /** Live values go here after they are stored. */
  bus?: EventBus;
  /** Publish an ack to the gateway (QoS 1). Called only after the batches it names are committed. */
  ack(gateway: string, ack: Ack): void;
}

interface Pending {
  gateway: string;
  batch: TelemetryBatch;
  received: number;
}

interface ToStore extends Pending {
  checked: CheckedBatch;
}

/**
 * The heart of the hub: decoded batches in, samples stored, acks out.
 *
 * Batches that arrive in the same tick of the event loop are coalesced into
 * one transaction (one fsync), then each is acked. A batch is acked only after
 * the commit that stores it; a duplicate (already in the ledger) is acked
 * again without storing anything, so an agent whose ack was lost moves on.
 */
export class TelemetryIngest {
  private queue: Pending[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private readonly warnOnce = new WarnOnce();
  /** The store refused writes at the last flush. */
  private refusing = false;

  constructor(private readonly deps: TelemetryIngestDeps) {}

  enqueue(gateway: string, batch: TelemetryBatch): void {
    this.queue.push({ gateway, batch, received: performance.now() });
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Store everything queued now (used on shutdown). */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const pending = this.queue;
    this.queue = [];
    if (pending.length === 0) return;

    const { ledger, registry, store } = this.deps;
    const alreadyStored: Pending[] = [];
    const toStore: ToStore[] = [];
    const inThisFlush = new Set<string>();
    const kinds = new KindLedger((device, point) => store.seriesKind(device, point));
    const now = Date.now();
    // The store cannot take more now (InfluxDB's spill queue is full): new batches stay unacked, in the gateways' outboxes.
    const refusal = store.writeRefusal();
    let refused = 0;
    for (const item of pending) {
      const { gateway, batch } = item;
      const id = `${gateway}\u0000${batch.epoch}\u0000${batch.seq}`;
      if (inThisFlush.has(id) || ledger.isStored(gateway, batch.epoch, batch.seq)) {
        this.deps.metrics.duplicateBatches.inc();
        // A copy of a batch stored in this very flush is acked with it, below.
        if (!inThisFlush.has(id)) alreadyStored.push(item);
        continue;
      }
      if (refusal !== undefined) {
        refused++;
        continue;
      }
      inThisFlush.add(id);
      toStore.push({ ...item, checked: checkBatch(gateway, batch, { devices: registry.devices, profiles: registry.profiles, kinds, now }) });
    }

    this.noteRefusal(refusal, refused);
    // One bad batch must not hold back the others: when the group fails, retry one by one, so only it stays unacked.
    const stored = this.commit(toStore) ? toStore : toStore.length > 1 ? toStore.filter((item) => this.commit([item])) : [];

    const lastSeen = new Map<string, number>();
    for (const item of stored) {
      for (const [device, t] of item.checked.lastSeen) if ((lastSeen.get(device) ?? -1) < t) lastSeen.set(device, t);
      this.account(item);
      this.publishLive(item);
    }
    try {
      registry.devices.touch(lastSeen);
    } catch (error) {
      this.deps.logger.error({ err: error }, 'could not update devices\' last seen time');
    }
    this.sendAcks([...alreadyStored, ...stored]);
  }

  /** Count refused batches; log when refusing starts and when it ends, not per batch. */
  private noteRefusal(refusal: string | undefined, refused: number): void {
    if (refused > 0) this.deps.metrics.rejectedBatches.inc({ reason: 'store_full' }, refused);
    if (refusal !== undefined && !this.refusing) {
      this.deps.logger.warn({ reason: refusal }, 'not storing telemetry for now: batches stay unacked and the gateways send them again');
    } else if (refusal === undefined && this.refusing) {
      this.deps.logger.info('storing telemetry again');
    }
    this.refusing = refusal !== undefined;
  }

  /** One transaction for all given batches: samples and ledger rows together. */
  private commit(items: readonly ToStore[]): boolean {
    if (items.length === 0) return true;
    const { store, ledger } = this.deps;
    try {
      store.atomically(() => {
        for (const { gateway, batch, checked } of items) {
          store.write(checked.samples);
          ledger.record(gateway, batch.epoch, batch.seq, batch.low);
        }
      });
      return true;
    } catch (error) {
      if (items.length === 1) {
        const { gateway, batch } = items[0]!;
        this.deps.metrics.rejectedBatches.inc({ reason: 'store_error' });
        this.deps.logger.error({ gateway, epoch: batch.epoch, seq: batch.seq, err: error },
          'could not store telemetry batch; not acked, the gateway will send it again');
      } else {
        this.deps.logger.warn({ batches: items.length, err: error }, 'could not store a group of telemetry batches; storing them one by one');
      }
      return false;
    }
  }

  private account(item: ToStore): void {
    const { metrics, logger } = this.deps;
    const { gateway, batch, checked } = item;
    metrics.batchesIngested.inc();
    metrics.readingsIngested.inc(checked.readings);
    metrics.pointsIngested.inc(checked.samples.length);
    metrics.ingestLatency.observe((performance.now() - item.received) / 1000);
    const committed = Date.now();
    for (const reading of batch.readings) metrics.sampleAge.observe((committed - reading.t) / 1000);
    if (checked.autoRegistered.length > 0) {
      metrics.devicesAutoRegistered.inc(checked.autoRegistered.length);
      logger.info({ gateway, devices: checked.autoRegistered }, 'devices seen in telemetry before any inventory: registered with profile "unknown"');
    }
    if (checked.unknownPoints.length > 0) {
      metrics.pointProblems.inc({ reason: 'unknown_point' }, checked.unknownPoints.length);
      const fresh = this.warnOnce.filter(checked.unknownPoints);
      if (fresh.length > 0) logger.warn({ gateway, points: fresh }, 'values of points the device\'s profile does not have: stored anyway');
    }
    if (checked.wrongType.length > 0) {
      metrics.pointProblems.inc({ reason: 'wrong_type' }, checked.wrongType.length);
      logger.warn({ gateway, epoch: batch.epoch, seq: batch.seq, dropped: checked.wrongType.slice(0, 10), count: checked.wrongType.length },
        'values whose type contradicts the profile: dropped');
    }
    if (checked.foreignReadings > 0) {
      metrics.droppedReadings.inc({ reason: 'foreign_device' }, checked.foreignReadings);
      const owners = Object.fromEntries(checked.foreignDevices);
      logger.warn({ gateway, epoch: batch.epoch, seq: batch.seq, owners, count: checked.foreignReadings },
        'readings of devices that belong to another gateway: dropped');
    }
  }

  /** Live values for whoever follows them; nothing is built when nobody does. */
  private publishLive({ gateway, batch }: ToStore): void {
    const bus = this.deps.bus;
    if (!bus?.hasListeners('telemetry')) return;
    const at = Date.now();
    for (const reading of batch.readings) {
      bus.publish({ type: 'telemetry', at, gateway, device: reading.d, data: { gateway, device: reading.d, t: reading.t, values: reading.v } });
    }
  }

  /** One ack per (gateway, epoch) naming every batch of this flush. */
  private sendAcks(items: readonly Pending[]): void {
    const acks = new Map<string, { gateway: string; ack: Ack }>();
    for (const { gateway, batch } of items) {
      const key = `${gateway}\u0000${batch.epoch}`;
      const entry = acks.get(key);
      if (entry) entry.ack.seqs.push(batch.seq);
      else acks.set(key, { gateway, ack: { epoch: batch.epoch, seqs: [batch.seq] } });
    }
    for (const { gateway, ack } of acks.values()) this.deps.ack(gateway, ack);
  }
}
