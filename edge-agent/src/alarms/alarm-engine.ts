import type { Logger } from 'pino';
import {
  DeviceAlarms, compileAlarms, effectiveAlarms, formatProblem,
  type ActiveAlarms, type AlarmEvent, type AlarmTransition, type PointValue,
} from '@afferent/device-profiles';
import type { DeviceTarget } from '../drivers/driver.js';
import type { Outbox } from '../outbox/outbox.js';

export interface AlarmEngineOptions {
  /** The devices at start; `track` and `forget` change the set later. */
  targets: readonly DeviceTarget[];
  outbox: Pick<Outbox, 'appendAlarms' | 'activeAlarms'>;
  /** Transitions are in the outbox: the uplink may send them. */
  stored(): void;
  /** Every transition, once stored (metrics). */
  transition?(event: AlarmTransition): void;
  log: Logger;
  now?: () => number;
  /** How often time-based conditions (`for`, stale) are re-evaluated. */
  tickMs?: number;
}

/**
 * Pre-alert at the edge: every device's alarms (profile + per-device
 * overrides) evaluated on each sample, failed poll and clock tick. Raised
 * even while the uplink is down: transitions go to the outbox, which sends
 * them ahead of any telemetry backlog. Active state is restored from the
 * outbox on start, so a restart neither forgets nor re-raises an alarm.
 */
export class AlarmEngine {
  private readonly devices = new Map<string, DeviceAlarms>();
  /** Transitions the outbox refused (disk full, say), retried on every tick: never dropped. */
  private unstored: AlarmTransition[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: AlarmEngineOptions) {
    this.now = options.now ?? Date.now;
    const restored = options.outbox.activeAlarms();
    for (const target of options.targets) this.track(target, restored);
  }

  /**
   * Evaluate this device's alarms (again, after its configuration changed),
   * starting from the active alarms the outbox holds for it: as after a
   * restart, an alarm still active is neither forgotten nor raised again.
   */
  track({ instance, profile }: DeviceTarget, restored = this.options.outbox.activeAlarms()): void {
    this.devices.delete(instance.id);
    const { alarms, problems: overrideProblems } = effectiveAlarms(profile, instance.alarms);
    const { definitions, problems } = compileAlarms(profile, alarms);
    // The configuration check refuses these; a profile pushed later might not have been checked.
    for (const problem of [...overrideProblems, ...problems]) this.options.log.error({ device: instance.id }, `alarm not evaluated: ${formatProblem(problem)}`);
    if (definitions.length > 0) this.devices.set(instance.id, new DeviceAlarms(definitions, this.now(), restored.get(instance.id)));
  }

  /** Stop evaluating a device that no longer runs. Its active alarms stay in the outbox's state, for when it comes back. */
  forget(device: string): void {
    this.devices.delete(device);
  }

  sample(device: string, t: number, values: Readonly<Record<string, PointValue>>): void {
    const alarms = this.devices.get(device);
    if (alarms) this.store(device, alarms.sample(t, values));
  }

  failure(device: string, t: number): void {
    const alarms = this.devices.get(device);
    if (alarms) this.store(device, alarms.failure(t));
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Active alarms by device, for /healthz. */
  active(): Record<string, ActiveAlarms> {
    return Object.fromEntries([...this.devices].map(([device, alarms]) => [device, alarms.active()]).filter(([, a]) => Object.keys(a as object).length > 0));
  }

  tick(t = this.now()): void {
    for (const [device, alarms] of this.devices) this.store(device, alarms.tick(t), false);
    this.flush();
  }

  private store(device: string, events: AlarmEvent[], flush = true): void {
    for (const e of events) {
      this.unstored.push({ d: device, alarm: e.alarm, t: e.t, state: e.state, severity: e.severity, message: e.message, values: e.values });
    }
    if (flush) this.flush();
  }

  private flush(): void {
    if (this.unstored.length === 0) return;
    const batch = this.unstored;
    try {
      this.options.outbox.appendAlarms(batch);
    } catch (error) {
      this.options.log.error({ err: (error as Error).message, pending: batch.length }, 'the outbox refused alarm transitions; retrying');
      return;
    }
    this.unstored = [];
    for (const transition of batch) {
      this.options.transition?.(transition);
      this.options.log.warn({ device: transition.d, alarm: transition.alarm, severity: transition.severity }, `alarm ${transition.state}: ${transition.message}`);
    }
    this.options.stored();
  }
}
