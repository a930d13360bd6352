/**
 * How fast the backlog of an outage may go to the hub: a token bucket in
 * readings per second. A fleet of gateways coming back after a hub outage
 * must not flood it, and live data must not wait behind hours of backlog.
 * One batch may always go when the bucket is full, however large it is.
 */
export class BackfillBudget {
  private tokens: number;
  private last: number;

  constructor(
    /** Readings per second; undefined or 0: no limit. */
    private readonly rate: number | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = rate ?? 0;
    this.last = now();
  }

  /** Spend `readings` if there is budget for them now (a full bucket pays for any one batch). */
  take(readings: number): boolean {
    if (!this.rate) return true;
    this.refill();
    if (this.tokens <= 0) return false;
    this.tokens -= readings;
    return true;
  }

  /** Milliseconds until `take` can succeed again. */
  waitMs(): number {
    if (!this.rate) return 0;
    this.refill();
    return this.tokens > 0 ? 0 : Math.ceil((-this.tokens / this.rate) * 1000) + 1;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.rate!, this.tokens + ((now - this.last) / 1000) * this.rate!);
    this.last = now;
  }
}
