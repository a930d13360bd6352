import { ApiError } from './errors.js';

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** A time given as ms since the epoch or as ISO 8601 text. */
export function parseTime(text: string, field: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const ms = ISO_8601.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) {
    throw new ApiError('invalid_request', `${field}: expected ms since the epoch or an ISO 8601 time (2026-01-31T12:00:00Z), got ${JSON.stringify(text)}`);
  }
  return ms;
}

export const DEFAULT_WINDOW_MS = 3_600_000;

/** `from`/`to` with their defaults: the last hour up to now. */
export function parseTimeRange(query: { from?: string; to?: string }, now: number): { from: number; to: number } {
  const to = query.to === undefined ? now : parseTime(query.to, 'to');
  const from = query.from === undefined ? to - DEFAULT_WINDOW_MS : parseTime(query.from, 'from');
  if (from > to) throw new ApiError('invalid_request', `from (${new Date(from).toISOString()}) is after to (${new Date(to).toISOString()})`);
  return { from, to };
}
