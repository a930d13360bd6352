import type { RequestPacer } from './modbus-requests.js';

/**
 * Keeps a serial line's rules between one answer and the next request: the
 * line must be silent for t3.5 (rtuSilenceMs) before a new frame, or the
 * units take the two frames for one. Before each request it also discards
 * whatever arrived out of turn (noise, the tail of a garbled frame, a late
 * answer), so that it cannot be taken for the answer to this request.
 */
export class RtuPacer implements RequestPacer {
  private quietSince = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly silenceMs: number,
    private readonly discardInput: () => void,
    private readonly clock: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  async before(): Promise<void> {
    const wait = this.quietSince + this.silenceMs - this.clock();
    // Timers count whole milliseconds: round up, as a silence may be longer but never shorter.
    if (wait > 0) await this.sleep(Math.ceil(wait));
    this.discardInput();
  }

  after(): void {
    this.quietSince = this.clock();
  }
}
