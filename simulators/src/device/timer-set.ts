/**
 * Timers a server owns (delayed answers, notification ticks, fault
 * schedules), so that closing it stops every one: a protocol library that
 * writes to a closed socket from a stray timer takes the process down.
 */
export class TimerSet {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: { unref?: boolean } = {}) {}

  after(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    if (this.options.unref) timer.unref();
    this.timers.add(timer);
  }

  every(ms: number, run: () => void): void {
    const timer = setInterval(run, ms);
    if (this.options.unref) timer.unref();
    this.timers.add(timer);
  }

  /** Resolves after `ms`, or never if the set is cleared first. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
