/**
 * How long to wait before the next write attempt: exponential with jitter,
 * or what the server asked for.
 *
 * `Retry-After` is read here, as RFC 9110 defines it (seconds, or an HTTP
 * date): @influxdata/influxdb-client 1.35 parses the seconds but then uses the
 * number as milliseconds, so "Retry-After: 30" would retry after 30 ms.
 */
export interface BackoffOptions {
  minMs: number;
  maxMs: number;
  /** Cap on a server's Retry-After, so a bad header cannot park the queue for days. */
  maxRetryAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { minMs: 1000, maxMs: 30_000, maxRetryAfterMs: 300_000 };

/** Milliseconds a Retry-After value asks for, if it is one. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** `failures`: consecutive failed attempts so far (1 after the first). Half fixed, half random ("equal jitter"). */
export function retryDelay(failures: number, retryAfterMs: number | undefined, options: BackoffOptions, random = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, options.maxRetryAfterMs);
  const ceiling = Math.min(options.maxMs, options.minMs * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
