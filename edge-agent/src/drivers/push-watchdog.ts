/**
 * Notices a push path that fell silent: a subscription whose server stopped
 * publishing without closing anything, an observation the server forgot.
 * `touch()` on every sign of life; `onSilent` runs once when none came for
 * `windowMs`, and again after each further window of silence.
 */
export class PushWatchdog {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private last = Date.now();

  constructor(
    private readonly windowMs: number,
    private readonly onSilent: (silentForMs: number) => void,
  ) {}

  get lastActivity(): number {
    return this.last;
  }

  start(): void {
    this.running = true;
    this.last = Date.now();
    this.arm(this.windowMs);
  }

  touch(t = Date.now()): void {
    this.last = t;
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const silent = Date.now() - this.last;
      if (silent >= this.windowMs) {
        this.last = Date.now();
        this.onSilent(silent);
        if (this.running) this.arm(this.windowMs);
      } else {
        this.arm(this.windowMs - silent);
      }
    }, delay);
    // A watchdog never keeps the process alive on its own.
    this.timer.unref();
  }
}
