import { decodeWire, encodeStoredBatch, gatewayTopic } from '@afferent/device-profiles';
import type { Outbox, StoredBatch } from '../outbox/outbox.js';
import { BackfillBudget } from './backfill-budget.js';

export interface SenderCounters {
  sent?(batches: number): void;
  acked?(batches: number): void;
  resent?(batches: number): void;
  /** An ack that does not match the contract, or names another epoch. */
  ignoredAck?(why: string): void;
}

export interface SenderOptions {
  gatewayId: string;
  /** At most this many batches published and not yet acknowledged. */
  inflight: number;
  /** A batch not acked within this time is published again (the hub drops duplicates). */
  ackTimeoutMs: number;
  /** Readings per second of backlog (batches stored while the link was down); undefined: no limit. */
  backfillRate?: number;
  now?: () => number;
}

/** Publishes one payload at QoS 1; delivery is confirmed by the hub's ack, not by the broker. */
export type Publish = (topic: string, payload: Buffer) => void;

/**
 * The exactly-once half of the uplink: sends outbox batches with at most
 * `inflight` unacknowledged, deletes them when the hub acks them, and sends
 * again what was not acked in time or was in flight when the link dropped.
 */
export class BatchSender {
  /** seq → when it was last published. */
  private readonly inflight = new Map<number, number>();
  /** In flight when the link dropped: their next publication is a resend. */
  private readonly interrupted = new Set<number>();
  private publish: Publish | undefined;
  private readonly now: () => number;
  private readonly budget: BackfillBudget;
  /** Telemetry from this seq on was stored while the link was up: live, sent at once. Older is backlog. */
  private liveFrom = Number.MAX_SAFE_INTEGER;
  private refillTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly outbox: Outbox,
    private readonly options: SenderOptions,
    private readonly counters: SenderCounters = {},
  ) {
    this.now = options.now ?? Date.now;
    this.budget = new BackfillBudget(options.backfillRate, this.now);
  }

  /** The link is up: start sending through `publish`. */
  online(publish: Publish): void {
    this.publish = publish;
    this.liveFrom = this.outbox.lastSeq() + 1;
    this.pump();
  }

  /** The link is down: whatever was in flight is sent again once it is back. */
  offline(): void {
    this.publish = undefined;
    clearTimeout(this.refillTimer);
    this.refillTimer = undefined;
    for (const seq of this.inflight.keys()) this.interrupted.add(seq);
    this.inflight.clear();
  }

  /**
   * Fill the window from the outbox: alarms first, then live telemetry, then
   * the backlog at the backfill rate; each group oldest first. So after an
   * outage the hub sees current values at once, and the gap fills behind them.
   */
  pump(): void {
    if (!this.publish) return;
    const batches = this.choose(this.options.inflight - this.inflight.size);
    if (batches.length === 0) return;
    // Marked before they leave: a batch the hub may have is never dropped as if it were lost (see the outbox policy).
    this.outbox.markSent(batches.map((batch) => batch.seq));
    const low = this.outbox.low();
    let resent = 0;
    for (const batch of batches) {
      this.send(batch, low);
      if (this.interrupted.delete(batch.seq)) resent++;
    }
    this.counters.sent?.(batches.length - resent);
    if (resent > 0) this.counters.resent?.(resent);
  }

  /** An ack from the hub: delete what it stored, then send more. */
  handleAck(payload: Buffer): void {
    const decoded = decodeWire('ack', payload);
    if (!decoded.ok) return this.counters.ignoredAck?.(decoded.error);
    if (decoded.value.epoch !== this.outbox.epoch) return this.counters.ignoredAck?.(`ack for epoch ${decoded.value.epoch}, not ours`);
    const { seqs } = decoded.value;
    for (const seq of seqs) {
      this.inflight.delete(seq);
      this.interrupted.delete(seq);
    }
    const deleted = this.outbox.ack(seqs);
    if (deleted > 0) this.counters.acked?.(deleted);
    this.pump();
  }

  /** Publish again every batch whose ack is overdue. */
  resendOverdue(): void {
    if (!this.publish) return;
    const overdue = this.now() - this.options.ackTimeoutMs;
    let resent = 0;
    const low = this.outbox.low();
    for (const [seq, sentAt] of this.inflight) {
      if (sentAt > overdue) continue;
      const batch = this.outbox.batch(seq);
      // Acked on another path, or dropped by the outbox policy: nothing to wait for.
      if (!batch) {
        this.inflight.delete(seq);
        continue;
      }
      this.send(batch, low);
      resent++;
    }
    if (resent > 0) this.counters.resent?.(resent);
    this.pump();
  }

  private choose(free: number): StoredBatch[] {
    const skip = new Set(this.inflight.keys());
    const batches = this.outbox.next('alarms', free, skip);
    batches.push(...this.outbox.next('telemetry', free - batches.length, skip, { from: this.liveFrom }));
    for (const batch of this.outbox.next('telemetry', free - batches.length, skip, { below: this.liveFrom })) {
      if (!this.budget.take(batch.readings)) {
        this.refillTimer ??= setTimeout(() => {
          this.refillTimer = undefined;
          this.pump();
        }, this.budget.waitMs());
        break;
      }
      batches.push(batch);
    }
    return batches;
  }

  get unacknowledged(): number {
    return this.inflight.size;
  }

  private send(batch: StoredBatch, low: number | undefined): void {
    const envelope = { epoch: this.outbox.epoch, seq: batch.seq, low: Math.min(low ?? batch.seq, batch.seq) };
    const payload = encodeStoredBatch(batch.kind, envelope, batch.body);
    this.inflight.set(batch.seq, this.now());
    this.publish!(gatewayTopic(this.options.gatewayId, batch.kind), payload);
  }
}
