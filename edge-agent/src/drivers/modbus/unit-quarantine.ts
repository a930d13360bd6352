/**
 * When a unit on a shared line (a serial bus, or the bus behind a TCP
 * gateway) stops answering, every request to it holds the whole line for a
 * full timeout, and the other units' polls wait behind it: one dead slave
 * stalls the bus. So after `after` unanswered requests in a row the unit is
 * quarantined: its requests fail at once without touching the line until
 * `firstMs` has passed. Then one request goes out as a probe; if that goes
 * unanswered too, the quarantine starts again, twice as long (up to `maxMs`).
 * Any answer, an exception included, ends it.
 */
export interface QuarantinePolicy {
  /** Unanswered requests in a row that quarantine a unit. */
  after: number;
  firstMs: number;
  maxMs: number;
}

export const DEFAULT_QUARANTINE: QuarantinePolicy = { after: 3, firstMs: 5_000, maxMs: 60_000 };

interface UnitState {
  /** Unanswered requests in a row. */
  unanswered: number;
  /** Quarantines in a row: the next one lasts firstMs × 2^(rounds). */
  rounds: number;
  /** Quarantined until then (ms since the epoch); 0 when not. */
  until: number;
}

export interface Quarantined {
  unanswered: number;
  /** ms until the next probe. */
  retryInMs: number;
}

export class UnitQuarantine {
  private readonly units = new Map<number, UnitState>();

  constructor(
    private readonly policy: QuarantinePolicy = DEFAULT_QUARANTINE,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Why this unit may not be asked now, or undefined when it may (the first request after a quarantine is the probe). */
  check(unitId: number): Quarantined | undefined {
    const state = this.units.get(unitId);
    const now = this.clock();
    if (!state || state.until <= now) return undefined;
    return { unanswered: state.unanswered, retryInMs: state.until - now };
  }

  /** The unit answered (data or an exception of its own): it is alive. */
  answered(unitId: number): void {
    this.units.delete(unitId);
  }

  /** A request to the unit went unanswered. */
  unanswered(unitId: number): void {
    const state = this.units.get(unitId) ?? { unanswered: 0, rounds: 0, until: 0 };
    state.unanswered++;
    // A failed probe (the unit was quarantined before) starts the next round at once.
    if (state.rounds > 0 || state.unanswered >= this.policy.after) {
      state.until = this.clock() + Math.min(this.policy.firstMs * 2 ** state.rounds, this.policy.maxMs);
      state.rounds++;
    }
    this.units.set(unitId, state);
  }

  /** Units quarantined right now. */
  quarantined(): number[] {
    return [...this.units.keys()].filter((unitId) => this.check(unitId) !== undefined);
  }
}
