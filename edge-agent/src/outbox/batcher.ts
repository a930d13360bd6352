import type { BatchKind, Outbox } from './outbox.js';

/** Where closed batches go (the outbox), and where readings it could not take are counted. */
export type BatchSink = Pick<Outbox, 'append' | 'countLost'>;

export interface BatcherOptions {
  /** Close a batch when it holds this many items. */
  maxItems: number;
  /** ...or this long after its first item arrived. */
  lingerMs: number;
}

export interface BatcherEvents {
  /** A batch is safely in the outbox. */
  stored?(seq: number, items: number): void;
  /** The outbox refused a batch (disk full, say): its items stay in memory and are retried. */
  failed?(error: unknown): void;
}

/** Items kept in memory while the outbox refuses writes, in batches: beyond, the oldest are dropped and counted. */
const RETRY_CAPACITY_BATCHES = 100;
const RETRY_AFTER_MS = 1000;

/**
 * Gathers readings (or alarm transitions) into batches: a batch closes at
 * `maxItems` or `lingerMs` after its first item, and is written to the outbox
 * in one transaction. Small batches for a quiet gateway, full ones under load.
 */
export class Batcher<T> {
  private pending: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Items lost because the outbox kept refusing writes and memory was full (also counted in the outbox's `dropped`). */
  lost = 0;

  constructor(
    private readonly outbox: BatchSink,
    private readonly kind: BatchKind,
    private readonly options: BatcherOptions,
    private readonly events: BatcherEvents = {},
  ) {}

  add(item: T): void {
    if (this.closed) throw new Error(`the ${this.kind} batcher is closed`);
    this.pending.push(item);
    if (this.pending.length >= this.options.maxItems) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.lingerMs);
  }

  /** Write everything pending to the outbox now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.pending.length > 0) {
      const items = this.pending.slice(0, this.options.maxItems);
      try {
        const seq = this.outbox.append(this.kind, items);
        this.pending.splice(0, items.length);
        this.events.stored?.(seq, items.length);
      } catch (error) {
        this.events.failed?.(error);
        this.shed();
        if (!this.closed) this.timer = setTimeout(() => this.flush(), RETRY_AFTER_MS);
        return;
      }
    }
  }

  /** Flush and refuse further items. */
  close(): void {
    this.flush();
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private shed(): void {
    const excess = this.pending.length - RETRY_CAPACITY_BATCHES * this.options.maxItems;
    if (excess > 0) {
      this.pending.splice(0, excess);
      this.lost += excess;
      this.outbox.countLost(excess);
    }
  }
}
