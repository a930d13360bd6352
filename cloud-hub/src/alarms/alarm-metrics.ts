import { SEVERITIES, type Severity } from '@afferent/device-profiles';
import { Counter, Gauge, type Registry } from 'prom-client';

/** The alarm service's metrics, in the hub's registry. */
export class AlarmMetrics {
  readonly batches: Counter<'outcome'>;
  readonly transitions: Counter<'source' | 'state' | 'severity'>;
  readonly dropped: Counter<'reason'>;
  readonly webhookDeliveries: Counter<'outcome'>;
  readonly activeAlarms: Gauge<'severity'>;

  constructor(registry: Registry, activeBySeverity: () => ReadonlyMap<Severity, number>) {
    const registers = [registry];
    this.batches = new Counter({
      name: 'afferent_hub_alarm_batches_total',
      help: 'Alarm batches by outcome: stored, duplicate (acked again), malformed and invalid (acked, never stored), store_error (not acked; the agent resends).',
      labelNames: ['outcome'], registers,
    });
    this.transitions = new Counter({
      name: 'afferent_hub_alarm_transitions_total',
      help: 'Alarm transitions stored, by source (edge, hub, operator), state (raised, cleared, acked, manually_cleared) and severity.',
      labelNames: ['source', 'state', 'severity'], registers,
    });
    this.dropped = new Counter({
      name: 'afferent_hub_alarm_transitions_dropped_total',
      help: 'Alarm transitions not stored: replay (already stored), foreign_device (the device belongs to another gateway), nothing_to_ack.',
      labelNames: ['reason'], registers,
    });
    this.webhookDeliveries = new Counter({
      name: 'afferent_hub_alarm_webhook_deliveries_total',
      help: 'Alarm webhook attempts: delivered, retried (an attempt failed, another follows), failed (gave up), dropped (too many pending).',
      labelNames: ['outcome'], registers,
    });
    this.activeAlarms = new Gauge({
      name: 'afferent_hub_active_alarms',
      help: 'Active alarms by severity.',
      labelNames: ['severity'], registers,
      collect() {
        const counts = activeBySeverity();
        for (const severity of SEVERITIES) this.set({ severity }, counts.get(severity) ?? 0);
      },
    });
  }
}
