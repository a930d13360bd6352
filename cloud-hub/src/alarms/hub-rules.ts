import { DeviceAlarms, formatProblem, type ActiveAlarms } from '@afferent/device-profiles';
import type { Logger } from '../logging/logger.js';
import type { Registry } from '../registry/registry.js';
import type { AlarmStore, Applied } from './alarm-store.js';
import { compileHubRules, HUB_DEVICE, type HubRule, type HubRulePoint } from './hub-rules-config.js';

export interface HubRulesDeps {
  rules: readonly HubRule[];
  registry: Registry;
  store: AlarmStore;
  /** Every stored transition, after the commit. */
  announce(applied: Applied): void;
  logger: Logger;
  now?: () => number;
  /** How often the counts are taken and the rules evaluated. */
  tickMs?: number;
}

interface RunningRule {
  rule: HubRule;
  alarms: DeviceAlarms;
}

/**
 * Evaluates the hub rules on a clock: counts the devices each rule selects
 * from the registry (labels, profile, gateway) and their health as their
 * gateways report it, then runs the same evaluator as the edge (`for`,
 * hysteresis, messages). Transitions are stored as the `@hub` device's, with
 * hub time. Active state is restored from the store, so a restart neither
 * forgets nor raises again.
 */
export class HubRules {
  private readonly running: RunningRule[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: HubRulesDeps) {
    this.now = deps.now ?? Date.now;
    const { definitions, problems } = compileHubRules(deps.rules);
    // The config check refuses these before the hub starts; this only guards code that skipped it.
    for (const problem of problems) deps.logger.error(`hub rule not evaluated: ${formatProblem(problem)}`);
    const restored: ActiveAlarms = {};
    for (const record of deps.store.activeOf(HUB_DEVICE)) {
      restored[record.alarm] = { since: record.lastRaised ?? record.updated, values: record.raisedValues ?? {} };
    }
    for (const definition of definitions) {
      const rule = deps.rules.find((r) => r.name === definition.name)!;
      this.running.push({ rule, alarms: new DeviceAlarms([definition], this.now(), restored) });
    }
  }

  start(): void {
    if (this.running.length === 0) return;
    this.timer = setInterval(() => this.tick(), this.deps.tickMs ?? 5000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Evaluate every rule now. */
  tick(t = this.now()): void {
    const counts = this.counter();
    for (const { rule, alarms } of this.running) {
      for (const event of alarms.sample(t, counts(rule))) {
        try {
          const outcome = this.deps.store.applyAutomatic({
            device: HUB_DEVICE, gateway: null, tenant: rule.select?.tenant ?? null, alarm: event.alarm, state: event.state, t: event.t, severity: event.severity,
            message: event.message, values: event.values, source: 'hub', by: `rule ${rule.name}`,
          });
          if (typeof outcome !== 'string') this.deps.announce(outcome);
        } catch (error) {
          this.deps.logger.error({ err: error, rule: rule.name, state: event.state }, 'could not store a hub rule\'s alarm transition');
        }
      }
    }
  }

  /** A snapshot of the registry, and the counts of the devices a rule selects in it. */
  private counter(): (rule: HubRule) => Record<HubRulePoint, number> {
    const gateways = new Map(this.deps.registry.gateways.list().map((g) => [g.id, g]));
    const devices = this.deps.registry.devices.list();
    return (rule) => {
      const { labels = {}, profile, gateway, tenant } = rule.select ?? {};
      const counts = { devices: 0, reachable: 0, offline: 0 };
      for (const device of devices) {
        // A rule of one tenant never counts another's devices; only the hub's own config can span tenants.
        if (tenant !== undefined && gateways.get(device.gateway)?.tenant !== tenant) continue;
        if (profile !== undefined && device.profile !== profile) continue;
        if (gateway !== undefined && device.gateway !== gateway) continue;
        if (Object.entries(labels).some(([k, v]) => device.labels[k] !== v)) continue;
        counts.devices++;
        const owner = gateways.get(device.gateway);
        const health = owner?.status?.devices?.[device.id];
        // A device whose gateway has not reported its health yet is neither: it is not known to be down.
        if (!owner?.online || health?.reachable === false) counts.offline++;
        else if (health?.reachable) counts.reachable++;
      }
      return counts;
    };
  }
}
