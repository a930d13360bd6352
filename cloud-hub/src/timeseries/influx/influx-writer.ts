import { HttpError, InfluxDB, RequestTimedOutError } from '@influxdata/influxdb-client';
import { parseRetryAfter } from './backoff.js';

export type RetryReason = 'throttled' | 'server_error' | 'refused' | 'network';

export type WriteOutcome =
  | { kind: 'ok' }
  /** Worth sending again later: InfluxDB is busy, down, unreachable, or refuses us (token, bucket) until someone fixes it. */
  | { kind: 'retry'; reason: RetryReason; status?: number; retryAfterMs?: number; message: string }
  /** InfluxDB refuses these lines as such (400, 413, 422): sending them again cannot help. */
  | { kind: 'invalid'; status: number; message: string };

export interface InfluxTarget {
  url: string;
  org: string;
  bucket: string;
  token: string;
  timeoutMs: number;
}

/** Bodies bigger than this are gzipped (line protocol compresses about tenfold). */
const GZIP_THRESHOLD = 1024;

/**
 * One write request per call, through the client's transport: the client
 * does HTTP, TLS, gzip and the token; deciding what a failure means and when
 * to try again is the drainer's, so nothing is retried or buffered out of its
 * sight (the client's WriteApi keeps its own retry buffer, and its close()
 * resolves even when batches it flushed failed).
 */
export class InfluxWriter {
  private readonly client: InfluxDB;
  private readonly path: string;

  constructor(target: InfluxTarget) {
    this.client = new InfluxDB({ url: target.url, token: target.token, timeout: target.timeoutMs });
    this.path = `/api/v2/write?org=${encodeURIComponent(target.org)}&bucket=${encodeURIComponent(target.bucket)}&precision=ms`;
  }

  async write(lines: readonly string[], signal?: AbortSignal): Promise<WriteOutcome> {
    try {
      await this.client.transport.request(this.path, lines.join('\n'), {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        gzipThreshold: GZIP_THRESHOLD,
        ...(signal ? { signal } : {}),
      });
      return { kind: 'ok' };
    } catch (error) {
      return classify(error);
    }
  }
}

function classify(error: unknown): WriteOutcome {
  if (error instanceof HttpError) {
    const status = error.statusCode;
    const message = `${status}${error.message ? ` ${error.message}` : ''}`;
    if (status === 400 || status === 413 || status === 422) return { kind: 'invalid', status, message };
    const header = error.headers?.['retry-after'];
    const retryAfterMs = parseRetryAfter(Array.isArray(header) ? header[0] : header, Date.now());
    const reason: RetryReason = status === 429 ? 'throttled' : status >= 500 ? 'server_error' : 'refused';
    return { kind: 'retry', reason, status, message, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  if (error instanceof RequestTimedOutError) return { kind: 'retry', reason: 'network', message: 'request timed out' };
  const code = (error as { code?: unknown }).code;
  const message = `${typeof code === 'string' ? `${code} ` : ''}${(error as Error).message ?? String(error)}`.trim();
  return { kind: 'retry', reason: 'network', message };
}
