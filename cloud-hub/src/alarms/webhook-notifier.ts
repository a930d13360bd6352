import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logging/logger.js';
import type { Webhook, WebhookEvent } from './alarm-config.js';
import type { AlarmEvent } from './alarm-events.js';
import type { AlarmMetrics } from './alarm-metrics.js';

export interface WebhookNotifierOptions {
  targets: readonly Webhook[];
  metrics: AlarmMetrics;
  logger: Logger;
  /** Attempts per delivery, the first included. */
  tries?: number;
  /** Wait before the second attempt; doubles after each failure, up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** One attempt's limit. */
  timeoutMs?: number;
  /** Deliveries under way (waiting included) before new ones are dropped. */
  maxPending?: number;
}

/** A status worth another try: the receiver is overloaded or failing, not refusing this request. */
const retryable = (status: number) => status >= 500 || status === 408 || status === 429;

const EVENT_OF: Record<AlarmEvent['data']['transition']['event'], WebhookEvent> = {
  raised: 'raised', cleared: 'cleared', manually_cleared: 'cleared', acked: 'acked',
};

/** A URL without credentials or query, fit for a log line. */
function shown(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

/**
 * Alarm transitions POSTed as JSON to the configured URLs: the same event the
 * SSE stream carries, plus `event` (raised, cleared, acked). Only transitions
 * that changed a record's state are sent. Each delivery is tried up to
 * `tries` times with exponential backoff, signed with HMAC-SHA256 when the
 * target has a secret, and carries `X-Afferent-Delivery` (the transition's id,
 * the same on every retry) so a receiver can drop what it already has.
 *
 * It never blocks ingest: `notify` returns at once and deliveries run on
 * their own. Deliveries live in memory: those under way when the hub stops
 * are lost (the alarm itself is safe in alarms.db).
 */
export class WebhookNotifier {
  private pending = 0;
  private readonly stopping = new AbortController();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly options: WebhookNotifierOptions) {}

  notify(event: AlarmEvent): void {
    const { transition, record } = event.data;
    if (!transition.changed || this.stopping.signal.aborted) return;
    const kind = EVENT_OF[transition.event];
    for (const target of this.options.targets) {
      if (target.events && !target.events.includes(kind)) continue;
      if (target.severities && !target.severities.includes(record.severity)) continue;
      if (this.pending >= (this.options.maxPending ?? 1000)) {
        this.options.metrics.webhookDeliveries.inc({ outcome: 'dropped' });
        this.options.logger.warn({ url: shown(target.url), alarm: record.id }, 'too many webhook deliveries pending: dropped one');
        continue;
      }
      const delivery = this.deliver(target, kind, JSON.stringify({ ...event, event: kind }), String(transition.id));
      this.running.add(delivery);
      void delivery.finally(() => this.running.delete(delivery));
    }
  }

  /** Cancel what is waiting or under way; notify does nothing from now on. */
  async close(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled([...this.running]);
  }

  private async deliver(target: Webhook, kind: WebhookEvent, body: string, id: string): Promise<void> {
    const { metrics, logger } = this.options;
    const tries = this.options.tries ?? 5;
    const headers: Record<string, string> = {
      'content-type': 'application/json', 'user-agent': 'afferent-hub', 'x-afferent-event': kind, 'x-afferent-delivery': id,
    };
    if (target.secret) headers['x-afferent-signature'] = `sha256=${createHmac('sha256', target.secret).update(body).digest('hex')}`;
    this.pending++;
    try {
      for (let attempt = 1; ; attempt++) {
        const result = await this.attempt(target.url, headers, body);
        if (result === 'ok') {
          metrics.webhookDeliveries.inc({ outcome: 'delivered' });
          return;
        }
        if (this.stopping.signal.aborted) return;
        if (!result.retry || attempt >= tries) {
          metrics.webhookDeliveries.inc({ outcome: 'failed' });
          logger.warn({ url: shown(target.url), delivery: id, attempts: attempt, problem: result.problem }, 'alarm webhook delivery failed: gave up');
          return;
        }
        metrics.webhookDeliveries.inc({ outcome: 'retried' });
        const delay = Math.min((this.options.baseDelayMs ?? 1000) * 2 ** (attempt - 1), this.options.maxDelayMs ?? 60_000);
        logger.debug({ url: shown(target.url), delivery: id, attempt, problem: result.problem, retryInMs: delay }, 'alarm webhook attempt failed');
        await sleep(delay, undefined, { signal: this.stopping.signal });
      }
    } catch {
      // Aborted while waiting to retry: the hub is stopping.
    } finally {
      this.pending--;
    }
  }

  private async attempt(url: string, headers: Record<string, string>, body: string): Promise<'ok' | { problem: string; retry: boolean }> {
    try {
      const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.options.timeoutMs ?? 10_000)]);
      const response = await fetch(url, { method: 'POST', headers, body, signal });
      await response.body?.cancel();
      return response.ok ? 'ok' : { problem: `HTTP ${response.status}`, retry: retryable(response.status) };
    } catch (error) {
      // fetch says only "fetch failed"; the cause says what (ECONNREFUSED, a timeout…).
      const cause = (error as { cause?: unknown }).cause;
      return { problem: cause instanceof Error ? cause.message : (error as Error).message, retry: true };
    }
  }
}
