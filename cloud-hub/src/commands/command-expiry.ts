import { parseDuration } from '@afferent/device-profiles';
import { ApiError } from '../api/errors.js';

/** Shorter than this cannot cross a real network; longer is a schedule, not a command. */
export const EXPIRY_LIMITS_MS = { min: 100, max: 7 * 86_400_000 } as const;

/** `expiresIn` of a request (a duration such as "30s", or ms) in ms; throws ApiError when it is out of bounds. */
export function expiryOf(expiresIn: string | number | undefined, defaultMs: number): number {
  if (expiresIn === undefined) return defaultMs;
  let ms: number;
  try {
    ms = typeof expiresIn === 'number' ? expiresIn : parseDuration(expiresIn);
  } catch (error) {
    throw new ApiError('invalid_request', `expiresIn: ${(error as Error).message}`);
  }
  if (!Number.isInteger(ms) || ms < EXPIRY_LIMITS_MS.min || ms > EXPIRY_LIMITS_MS.max) {
    throw new ApiError('invalid_request', `expiresIn: expected ${EXPIRY_LIMITS_MS.min} ms to 7d, got ${JSON.stringify(expiresIn)}`);
  }
  return ms;
}
