import type { Ack, AlarmBatch } from '@afferent/device-profiles';
import type { BatchLedger } from '../ingest/batch-ledger.js';
import type { Logger } from '../logging/logger.js';
import type { DeviceRegistry } from '../registry/device-registry.js';
import type { AutomaticTransition } from './alarm-lifecycle.js';
import type { AlarmMetrics } from './alarm-metrics.js';
import type { AlarmStore, Applied } from './alarm-store.js';

export interface AlarmIngestDeps {
  store: AlarmStore;
  /** The ledger in alarms.db: commits with the records. */
  ledger: BatchLedger;
  devices: DeviceRegistry;
  /** A gateway's tenant: its alarms are that tenant's. */
  tenantOf(gateway: string): string | undefined;
  metrics: AlarmMetrics;
  logger: Logger;
  /** Publish an ack to the gateway; called only after the batch is committed. */
  ack(gateway: string, ack: Ack): void;
  /** Every stored transition, after the commit. */
  announce(applied: Applied): void;
}

/**
 * Alarm batches in, records out, then the ack: the same exactly-once contract
 * as telemetry. A batch already in the ledger is acked again and stores
 * nothing; otherwise its transitions, in edge-time order, and its ledger row
 * commit in one transaction, and only then is it acked. Alarms are few, so
 * each batch is its own transaction: nothing waits to be grouped.
 */
export function createAlarmIngest(deps: AlarmIngestDeps): (gateway: string, batch: AlarmBatch) => void {
  const { store, ledger, metrics, logger } = deps;
  return (gateway, batch) => {
    const ack = { epoch: batch.epoch, seqs: [batch.seq] };
    if (ledger.isStored(gateway, batch.epoch, batch.seq)) {
      metrics.batches.inc({ outcome: 'duplicate' });
      deps.ack(gateway, ack);
      return;
    }
    const transitions = ownTransitions(gateway, batch, deps);
    let outcomes: ReturnType<AlarmStore['applyAutomatic']>[];
    try {
      outcomes = store.atomically(() => {
        const stored = transitions.map((tr) => store.applyAutomatic(tr));
        ledger.record(gateway, batch.epoch, batch.seq, batch.low);
        return stored;
      });
    } catch (error) {
      metrics.batches.inc({ outcome: 'store_error' });
      logger.error({ gateway, epoch: batch.epoch, seq: batch.seq, err: error }, 'could not store alarm batch; not acked, the gateway will send it again');
      return;
    }
    metrics.batches.inc({ outcome: 'stored' });
    for (const outcome of outcomes) {
      if (typeof outcome === 'string') metrics.dropped.inc({ reason: outcome });
      else deps.announce(outcome);
    }
    deps.ack(gateway, ack);
  };
}

/** The batch's transitions of devices this gateway owns, oldest first; the others are dropped and counted. */
function ownTransitions(gateway: string, batch: AlarmBatch, deps: AlarmIngestDeps): AutomaticTransition[] {
  const own: AutomaticTransition[] = [];
  const tenant = deps.tenantOf(gateway) ?? null;
  const foreign = new Map<string, string>();
  for (const a of batch.alarms) {
    let device = deps.devices.get(a.d);
    if (!device) {
      // As for telemetry: a device the hub has not heard of yet is registered, never silently dropped.
      device = deps.devices.autoRegister(gateway, a.d);
      deps.logger.info({ gateway, device: a.d }, 'device seen in an alarm before any inventory: registered with profile "unknown"');
    } else if (device.gateway !== gateway) {
      foreign.set(a.d, device.gateway);
      continue;
    }
    own.push({
      device: a.d, gateway, tenant, alarm: a.alarm, state: a.state, t: a.t, severity: a.severity,
      message: a.message ?? a.alarm, values: a.values ?? {}, source: 'edge', by: gateway,
    });
  }
  const dropped = batch.alarms.length - own.length;
  if (dropped > 0) {
    deps.metrics.dropped.inc({ reason: 'foreign_device' }, dropped);
    deps.logger.warn({ gateway, epoch: batch.epoch, seq: batch.seq, owners: Object.fromEntries(foreign), count: dropped },
      'alarm transitions of devices that belong to another gateway: dropped');
  }
  return own.sort((a, b) => a.t - b.t);
}
