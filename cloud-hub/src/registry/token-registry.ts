import { generateSecret, hashToken } from '../access/credentials.js';
import type { SqliteDatabase, Statement } from '../storage/sqlite.js';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** viewer < operator < admin */
export function roleAtLeast(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

export interface TokenIdentity {
  role: Role;
  name: string;
}

/** API bearer tokens, stored as SHA-256 hashes only (see access/credentials.ts for why). */
export class TokenRegistry {
  private readonly insert: Statement;
  private readonly byHash: Statement<{ role: Role; name: string }>;
  private readonly activeAdmins: Statement<{ n: number }>;
  private readonly revokeByHash: Statement;

  constructor(db: SqliteDatabase) {
    this.insert = db.prepare('INSERT OR IGNORE INTO api_tokens (hash, role, name, created) VALUES (?, ?, ?, ?)');
    this.byHash = db.prepare('SELECT role, name FROM api_tokens WHERE hash = ? AND revoked IS NULL');
    this.activeAdmins = db.prepare("SELECT count(*) AS n FROM api_tokens WHERE role = 'admin' AND revoked IS NULL");
    this.revokeByHash = db.prepare('UPDATE api_tokens SET revoked = ? WHERE hash = ? AND revoked IS NULL');
  }

  /** A new token; the caller shows it once, the registry keeps only its hash. */
  create(role: Role, name: string): string {
    const token = generateSecret();
    this.insert.run(hashToken(token), role, name, Date.now());
    return token;
  }

  /** Store a token chosen elsewhere (the AFFERENT_ADMIN_TOKEN bootstrap); a no-op when it is already known. */
  ensure(token: string, role: Role, name: string): void {
    this.insert.run(hashToken(token), role, name, Date.now());
  }

  identify(token: string): TokenIdentity | undefined {
    const row = this.byHash.get(hashToken(token));
    return row ? { role: row.role, name: row.name } : undefined;
  }

  hasActiveAdmin(): boolean {
    return (this.activeAdmins.get()?.n ?? 0) > 0;
  }

  revoke(token: string): boolean {
    return this.revokeByHash.run(Date.now(), hashToken(token)).changes > 0;
  }
}
