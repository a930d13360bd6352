import type { PointValue } from '../profile/point-types.js';
import type { Severity } from '../profile/profile-schema.js';
import type { AlarmDefinition } from './alarm-definition.js';
import { evaluate, type EvalContext } from './expression-eval.js';
import { renderMessage, templatePoints } from './message-template.js';

/** An alarm changing state, with the values that made it change. */
export interface AlarmEvent {
  alarm: string;
  state: 'raised' | 'cleared';
  t: number;
  severity: Severity;
  message: string;
  values: Record<string, PointValue>;
}

/** What must survive a restart: which alarms are active, since when. */
export type ActiveAlarms = Record<string, { since: number; values: Record<string, PointValue> }>;

interface AlarmState {
  active: boolean;
  since?: number;
  values?: Record<string, PointValue>;
  /** When the raise (or clear) condition became true, waiting out `for` (or `clearFor`). */
  pendingSince?: number;
}

/**
 * The alarms of one device, evaluated on every sample, failed poll and clock
 * tick. Pure: time comes in as arguments, so tests drive it with fake clocks
 * and the agent persists `active()` to survive restarts without raising twice.
 */
export class DeviceAlarms {
  private readonly latest = new Map<string, PointValue>();
  private readonly lastRead = new Map<string, number>();
  private readonly history = new Map<string, { t: number; v: number }[]>();
  private readonly states = new Map<string, AlarmState>();
  private readonly maxWindow = new Map<string, number>();
  /** Per alarm: the points its events carry (those it reads and those its message shows). */
  private readonly reported = new Map<string, string[]>();
  private failures = 0;
  private readonly context: EvalContext;
  private now: number;

  constructor(private readonly definitions: readonly AlarmDefinition[], start: number, restored: ActiveAlarms = {}) {
    this.now = start;
    for (const d of definitions) {
      const r = restored[d.name];
      this.states.set(d.name, r ? { active: true, since: r.since, values: r.values } : { active: false });
      this.reported.set(d.name, [...new Set([...d.when.points, ...(d.clear?.points ?? []), ...templatePoints(d.message)])]);
      for (const condition of [d.when, d.clear]) {
        for (const [point, window] of condition?.rateWindows ?? []) this.maxWindow.set(point, Math.max(this.maxWindow.get(point) ?? 0, window));
      }
    }
    this.context = {
      value: (p) => this.latest.get(p),
      rate: (p, window) => this.rate(p, window),
      // A point never read counts from when watching started.
      stale: (p, after) => this.now - (this.lastRead.get(p) ?? start) >= after,
      offline: (polls) => this.failures >= polls,
    };
  }

  /** Values read successfully at `t` (all of them, before any deadband). */
  sample(t: number, values: Readonly<Record<string, PointValue>>): AlarmEvent[] {
    this.failures = 0;
    for (const [point, value] of Object.entries(values)) {
      this.latest.set(point, value);
      this.lastRead.set(point, t);
      const window = this.maxWindow.get(point);
      if (window !== undefined && typeof value === 'number') {
        const series = this.history.get(point) ?? [];
        series.push({ t, v: value });
        // Keep one sample older than the window, so the change over the whole window is known.
        while (series.length > 2 && series[1]!.t <= t - window) series.shift();
        this.history.set(point, series);
      }
    }
    return this.evaluate(t);
  }

  /** A poll that failed (device unreachable or every point in error). */
  failure(t: number): AlarmEvent[] {
    this.failures++;
    return this.evaluate(t);
  }

  /** Time passes: durations (`for`, stale) elapse even without new data. */
  tick(t: number): AlarmEvent[] {
    return this.evaluate(t);
  }

  active(): ActiveAlarms {
    const out: ActiveAlarms = {};
    for (const [name, s] of this.states) if (s.active) out[name] = { since: s.since!, values: s.values ?? {} };
    return out;
  }

  private rate(point: string, window: number): number | undefined {
    const series = this.history.get(point);
    if (!series || series.length < 2) return undefined;
    const last = series[series.length - 1]!;
    const base = [...series].reverse().find((s) => s.t <= last.t - window);
    return base ? last.v - base.v : undefined;
  }

  private evaluate(t: number): AlarmEvent[] {
    this.now = Math.max(this.now, t);
    const events: AlarmEvent[] = [];
    for (const d of this.definitions) {
      const state = this.states.get(d.name)!;
      const goal = state.active
        ? d.clear ? evaluate(d.clear.expr, this.context) : negate(evaluate(d.when.expr, this.context))
        : evaluate(d.when.expr, this.context);
      if (goal === false) state.pendingSince = undefined;
      if (goal !== true) continue;
      state.pendingSince ??= t;
      if (t - state.pendingSince < (state.active ? d.clearForMs : d.forMs)) continue;
      const values = this.valuesOf(d);
      state.pendingSince = undefined;
      state.active = !state.active;
      state.since = t;
      state.values = values;
      events.push({ alarm: d.name, state: state.active ? 'raised' : 'cleared', t, severity: d.severity, message: renderMessage(d.message, values), values });
    }
    return events;
  }

  private valuesOf(d: AlarmDefinition): Record<string, PointValue> {
    const values: Record<string, PointValue> = {};
    for (const point of this.reported.get(d.name)!) {
      const v = this.latest.get(point);
      if (v !== undefined) values[point] = v;
    }
    return values;
  }
}

function negate(value: PointValue | undefined): boolean | undefined {
  return value === undefined ? undefined : !value;
}
