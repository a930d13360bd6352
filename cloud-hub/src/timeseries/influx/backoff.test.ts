import { describe, expect, it } from 'vitest';
import { parseRetryAfter, retryDelay } from './backoff.js';

const OPTIONS = { minMs: 1000, maxMs: 30_000, maxRetryAfterMs: 300_000 };

describe('write backoff', () => {
  it('doubles from min up to max, half of it random', () => {
    const low = (failures: number) => retryDelay(failures, undefined, OPTIONS, () => 0);
    const high = (failures: number) => retryDelay(failures, undefined, OPTIONS, () => 1);
    expect([1, 2, 3, 4, 5, 6, 7, 50].map(high)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect([1, 2, 6].map(low)).toEqual([500, 1000, 15_000]);
  });

  it('reads Retry-After as seconds or as an HTTP date, and caps it', () => {
    const now = Date.UTC(2026, 0, 31, 12, 0, 0);
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sat, 31 Jan 2026 12:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Sat, 31 Jan 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(retryDelay(1, 30_000, OPTIONS)).toBe(30_000);
    expect(retryDelay(1, 86_400_000, OPTIONS)).toBe(300_000);
  });
});
