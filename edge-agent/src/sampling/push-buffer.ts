import type { RawReadResult } from '../drivers/driver.js';

/**
 * Pushed values of one device, gathered for one turn of the event loop: a
 * subscription delivers a publish's worth of values one by one, and they
 * make one sample per timestamp rather than one reading per value. It also
 * keeps the latest raw value of every pushed point, for the heartbeat.
 */
export class PushBuffer {
  private pending: { point: string; raw: unknown; t: number }[] = [];
  private readonly latest = new Map<string, unknown>();
  private scheduled: NodeJS.Immediate | undefined;

  constructor(private readonly sink: (t: number, results: RawReadResult) => void) {}

  add(point: string, raw: unknown, t: number): void {
    this.pending.push({ point, raw, t });
    this.latest.set(point, raw);
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** The latest value of every point heard so far. */
  latestResults(): RawReadResult {
    return new Map([...this.latest].map(([point, raw]) => [point, { raw }]));
  }

  /** Hand over what is pending now (also on stop, so nothing received is lost). */
  flush(): void {
    clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const pending = this.pending;
    this.pending = [];
    const byTime = new Map<number, RawReadResult>();
    for (const { point, raw, t } of pending) {
      let results = byTime.get(t);
      if (!results) byTime.set(t, (results = new Map()));
      results.set(point, { raw });
    }
    for (const [t, results] of [...byTime].sort(([a], [b]) => a - b)) this.sink(t, results);
  }
}
