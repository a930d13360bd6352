import { generateSecret, hashToken } from '../access/credentials.js';
import type { SqliteDatabase, Statement } from '../storage/sqlite.js';

/** What exchanging a provisioning token found. */
export type TokenClaim =
  | { outcome: 'claimed'; gateway: string }
  | { outcome: 'unknown' }
  | { outcome: 'used'; gateway: string; at: number }
  | { outcome: 'expired'; gateway: string; at: number };

interface TokenRow {
  gateway_id: string;
  expires: number;
  used: number | null;
}

/**
 * One-time provisioning tokens, stored as SHA-256 of their secret (256 random
 * bits, so a fast hash is safe; see access/credentials.ts). A gateway has at
 * most one open token: issuing a new one withdraws the others.
 */
export class ProvisioningTokens {
  private readonly insert: Statement;
  private readonly withdraw: Statement;
  private readonly byHash: Statement<TokenRow>;
  private readonly markUsed: Statement;
  private readonly claimOnce: (hash: string, now: number) => TokenClaim;

  constructor(db: SqliteDatabase) {
    this.insert = db.prepare('INSERT INTO provisioning_tokens (hash, gateway_id, created, expires) VALUES (?, ?, ?, ?)');
    this.withdraw = db.prepare('DELETE FROM provisioning_tokens WHERE gateway_id = ? AND used IS NULL');
    this.byHash = db.prepare('SELECT gateway_id, expires, used FROM provisioning_tokens WHERE hash = ?');
    this.markUsed = db.prepare('UPDATE provisioning_tokens SET used = ? WHERE hash = ? AND used IS NULL');
    // One transaction: of two exchanges of the same token, exactly one claims it.
    this.claimOnce = db.transaction((hash: string, now: number): TokenClaim => {
      const row = this.byHash.get(hash);
      if (!row) return { outcome: 'unknown' };
      if (row.used !== null) return { outcome: 'used', gateway: row.gateway_id, at: row.used };
      if (row.expires <= now) return { outcome: 'expired', gateway: row.gateway_id, at: row.expires };
      this.markUsed.run(now, hash);
      return { outcome: 'claimed', gateway: row.gateway_id };
    });
  }

  /** A new token for the gateway, withdrawing its earlier open ones; the secret is returned once. */
  issue(gateway: string, expires: number, now = Date.now()): string {
    const secret = generateSecret();
    this.withdraw.run(gateway);
    this.insert.run(hashToken(secret), gateway, now, expires);
    return secret;
  }

  /** Use a token up: it works once, before it expires. */
  claim(secret: string, now = Date.now()): TokenClaim {
    return this.claimOnce(hashToken(secret), now);
  }

  /** Withdraw a gateway's open tokens (it was disabled). */
  withdrawAll(gateway: string): void {
    this.withdraw.run(gateway);
  }
}
