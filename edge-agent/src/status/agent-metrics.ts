import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { OutboxStats } from '../outbox/outbox.js';

export interface MetricSources {
  outbox(): OutboxStats;
  uplinkConnected(): boolean;
  activeAlarms(): number;
}

/**
 * The agent's Prometheus metrics, in a registry of its own (two agents in one
 * process, as in tests, never share counters). Outbox and uplink gauges are
 * read at scrape time.
 */
export class AgentMetrics {
  readonly registry = new Registry();

  /**
   * Node's own metrics (CPU, memory, event-loop delay, GC) under `afferent_agent_`;
   * only for the process entry point, which runs one agent.
   */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry, prefix: 'afferent_agent_' });
  }
  readonly readings: Counter<'device'>;
  readonly points: Counter<'device'>;
  readonly readErrors: Counter<'device' | 'kind'>;
  readonly readLatency: Histogram<'device'>;
  readonly batchesSent: Counter;
  readonly batchesAcked: Counter;
  readonly batchesResent: Counter;
  readonly alarmTransitions: Counter<'device' | 'alarm' | 'state' | 'severity'>;
  readonly commands: Counter<'device' | 'status'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    const p = 'afferent_agent_';
    this.readings = new Counter({ name: `${p}readings_total`, help: 'Readings reported, per device', labelNames: ['device'], registers });
    this.points = new Counter({ name: `${p}points_total`, help: 'Point values reported, per device', labelNames: ['device'], registers });
    this.readErrors = new Counter({
      name: `${p}read_errors_total`,
      help: 'Failed reads (unreachable, timeout) and failed points (device, protocol, decode), per device',
      labelNames: ['device', 'kind'],
      registers,
    });
    this.readLatency = new Histogram({
      name: `${p}read_latency_seconds`,
      help: 'Time to read all points of a device',
      labelNames: ['device'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.batchesSent = new Counter({ name: `${p}uplink_batches_sent_total`, help: 'Batches published for the first time', registers });
    this.batchesAcked = new Counter({ name: `${p}uplink_batches_acked_total`, help: 'Batches acknowledged by the hub and deleted', registers });
    this.batchesResent = new Counter({ name: `${p}uplink_batches_resent_total`, help: 'Batches published again (ack overdue, or the link dropped)', registers });

    const outboxGauge = (name: string, help: string, value: (s: OutboxStats) => number) =>
      new Gauge({ name: `${p}outbox_${name}`, help, registers, collect() { this.set(value(sources.outbox())); } });
    outboxGauge('batches', 'Batches waiting in the outbox', (s) => s.batches);
    outboxGauge('readings', 'Readings waiting in the outbox', (s) => s.readings);
    outboxGauge('bytes', 'Bytes of batches waiting in the outbox', (s) => s.bytes);
    outboxGauge('oldest_age_seconds', 'Age of the oldest batch in the outbox (0 when empty)', (s) => (s.oldest === undefined ? 0 : (Date.now() - s.oldest) / 1000));
    let droppedSeen = 0;
    new Counter({
      name: `${p}outbox_dropped_readings_total`,
      help: 'Readings dropped over the life of the outbox: by its size/age policy, or because it refused writes (disk full) for too long',
      registers,
      collect() {
        // The count lives in the outbox (it survives restarts); the counter follows it.
        const dropped = sources.outbox().dropped;
        if (dropped > droppedSeen) this.inc(dropped - droppedSeen);
        droppedSeen = dropped;
      },
    });
    this.alarmTransitions = new Counter({
      name: `${p}alarm_transitions_total`,
      help: 'Alarm transitions raised or cleared at the edge',
      labelNames: ['device', 'alarm', 'state', 'severity'],
      registers,
    });
    this.commands = new Counter({
      name: `${p}commands_total`,
      help: 'Commands from the hub by outcome (succeeded, failed, rejected, expired), per device',
      labelNames: ['device', 'status'],
      registers,
    });
    new Gauge({ name: `${p}alarms_active`, help: 'Alarms active at the edge', registers, collect() { this.set(sources.activeAlarms()); } });
    new Gauge({ name: `${p}uplink_connected`, help: '1 while the uplink to the hub is connected', registers, collect() { this.set(sources.uplinkConnected() ? 1 : 0); } });
  }
}
