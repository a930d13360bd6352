import type { Static } from 'typebox';
import type { TokenSchema } from '../tenancy/tenancy-schemas.js';
import { time } from './format.js';

export type TokenView = Static<typeof TokenSchema>;

/** "platform" or the tenant; "never" or when; "active", "revoked …" or "expired …". */
export const tenantOf = (t: TokenView) => t.tenant ?? 'platform';
export const expiry = (t: TokenView) => (t.expires === null ? 'never' : time(t.expires));
export function state(t: TokenView, now = Date.now()): string {
  if (t.revoked !== null) return `revoked ${time(t.revoked)}`;
  if (t.expires !== null && t.expires <= now) return 'expired';
  return 'active';
}
