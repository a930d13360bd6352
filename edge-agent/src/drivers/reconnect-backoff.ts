/**
 * When to try a lost connection again: the first retry soon, then doubling
 * up to a ceiling, so a device that is down for hours costs one attempt
 * every `maxMs` and one that blinked is back at once. Shared by every
 * driver that owns a connection.
 */
export class ReconnectBackoff {
  private failures = 0;
  private retryAt = 0;
  private lastError = '';

  constructor(
    readonly minMs = 200,
    readonly maxMs = 10_000,
  ) {}

  /** Failed attempts in a row. */
  get failedAttempts(): number {
    return this.failures;
  }

  /** How long until the next attempt is due (0: now). */
  waitMs(now = Date.now()): number {
    return Math.max(0, this.retryAt - now);
  }

  /** Why the last attempt failed, and when the next one is due, for an error message. */
  describe(now = Date.now()): string {
    return `${this.lastError}; next attempt in ${Math.ceil(this.waitMs(now) / 100) / 10}s`;
  }

  failed(reason: string, now = Date.now()): number {
    this.failures++;
    this.lastError = reason;
    const delay = Math.min(this.minMs * 2 ** (this.failures - 1), this.maxMs);
    this.retryAt = now + delay;
    return delay;
  }

  succeeded(): void {
    this.failures = 0;
    this.retryAt = 0;
    this.lastError = '';
  }
}
