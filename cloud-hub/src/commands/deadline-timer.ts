/** setTimeout's longest delay; a later deadline is reached in several steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * One timer for the earliest of many deadlines. Callers only ever bring it
 * forward; when it fires, the owner looks at everything that is due and
 * tells it the next deadline.
 */
export class DeadlineTimer {
  private timer: NodeJS.Timeout | undefined;
  private at = Number.POSITIVE_INFINITY;

  constructor(private readonly fire: () => void) {}

  /** Fire no later than `at` (ms since the epoch). */
  atLatest(at: number, now = Date.now()): void {
    if (at >= this.at) return;
    clearTimeout(this.timer);
    this.at = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.at = Number.POSITIVE_INFINITY;
      this.fire();
    }, Math.min(MAX_DELAY_MS, Math.max(0, at - now)));
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.at = Number.POSITIVE_INFINITY;
  }
}
