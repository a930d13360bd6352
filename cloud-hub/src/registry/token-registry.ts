import { randomBytes } from 'node:crypto';
import { generateSecret, hashToken } from '../access/credentials.js';
import type { SqliteDatabase, Statement } from '../storage/sqlite.js';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** viewer < operator < admin */
export function roleAtLeast(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

/** Who is calling: what every request that needs a token knows about its caller. */
export interface TokenIdentity {
  id: string;
  name: string;
  role: Role;
  /** null: a platform token, which sees every tenant. */
  tenant: string | null;
}

export interface TokenRecord extends TokenIdentity {
  created: number;
  /** The id of the token that created it; null for the bootstrap admin. */
  createdBy: string | null;
  expires: number | null;
  /** To the minute: the hub writes it at most once a minute per token. */
  lastUsed: number | null;
  revoked: number | null;
}

export interface NewToken {
  tenant?: string | null;
  expires?: number | null;
  createdBy?: string | null;
}

/** Why a token was refused. */
export type TokenRefusal = 'unknown' | 'revoked' | 'expired';

interface TokenRow {
  id: string;
  name: string;
  role: Role;
  tenant_id: string | null;
  created: number;
  created_by: string | null;
  expires: number | null;
  last_used: number | null;
  revoked: number | null;
}

const LAST_USED_RESOLUTION_MS = 60_000;
const COLUMNS = 'id, name, role, tenant_id, created, created_by, expires, last_used, revoked';

function toRecord(row: TokenRow): TokenRecord {
  return {
    id: row.id, name: row.name, role: row.role, tenant: row.tenant_id, created: row.created, createdBy: row.created_by,
    expires: row.expires, lastUsed: row.last_used, revoked: row.revoked,
  };
}

/** API bearer tokens, stored as SHA-256 hashes only (see access/credentials.ts for why). */
export class TokenRegistry {
  private readonly s: Record<'insert' | 'byHash' | 'byId' | 'all' | 'ofTenant' | 'activePlatformAdmins' | 'revokeById' | 'revokeByHash' | 'used', Statement<unknown>>;

  constructor(db: SqliteDatabase) {
    this.s = {
      insert: db.prepare(`INSERT OR IGNORE INTO api_tokens (id, hash, name, role, tenant_id, created, created_by, expires)
        VALUES (@id, @hash, @name, @role, @tenant, @created, @createdBy, @expires)`),
      byHash: db.prepare(`SELECT ${COLUMNS} FROM api_tokens WHERE hash = ?`),
      byId: db.prepare(`SELECT ${COLUMNS} FROM api_tokens WHERE id = ?`),
      all: db.prepare(`SELECT ${COLUMNS} FROM api_tokens ORDER BY created, rowid`),
      ofTenant: db.prepare(`SELECT ${COLUMNS} FROM api_tokens WHERE tenant_id = ? ORDER BY created, rowid`),
      activePlatformAdmins: db.prepare(`SELECT count(*) AS n FROM api_tokens
        WHERE role = 'admin' AND tenant_id IS NULL AND revoked IS NULL AND (expires IS NULL OR expires > ?)`),
      revokeById: db.prepare('UPDATE api_tokens SET revoked = ? WHERE id = ? AND revoked IS NULL'),
      revokeByHash: db.prepare('UPDATE api_tokens SET revoked = ? WHERE hash = ? AND revoked IS NULL'),
      used: db.prepare('UPDATE api_tokens SET last_used = ? WHERE id = ?'),
    };
  }

  /** A new token (a platform token unless `tenant` says otherwise); the caller shows it once, the registry keeps only its hash. */
  create(role: Role, name: string, options: NewToken = {}, now = Date.now()): { token: string; record: TokenRecord } {
    const token = generateSecret();
    const record = this.store(token, role, name, options, now);
    return { token, record };
  }

  /** Store a token chosen elsewhere (the AFFERENT_ADMIN_TOKEN bootstrap) as a platform token; a no-op when it is already known. */
  ensure(token: string, role: Role, name: string): void {
    this.store(token, role, name, {}, Date.now());
  }

  /** The caller behind a token, or why it is refused. Notes its use, at most once a minute. */
  check(token: string, now = Date.now()): TokenIdentity | TokenRefusal {
    const row = this.s.byHash.get(hashToken(token)) as TokenRow | undefined;
    if (!row) return 'unknown';
    if (row.revoked !== null) return 'revoked';
    if (row.expires !== null && row.expires <= now) return 'expired';
    if (row.last_used === null || now - row.last_used >= LAST_USED_RESOLUTION_MS) this.s.used.run(now, row.id);
    return { id: row.id, name: row.name, role: row.role, tenant: row.tenant_id };
  }

  get(id: string): TokenRecord | undefined {
    const row = this.s.byId.get(id) as TokenRow | undefined;
    return row && toRecord(row);
  }

  /** Every token, or those of one tenant (platform tokens belong to none). */
  list(tenant?: string): TokenRecord[] {
    const rows = (tenant === undefined ? this.s.all.all() : this.s.ofTenant.all(tenant)) as TokenRow[];
    return rows.map(toRecord);
  }

  /** Whether a platform admin token works: else the hub generates a first one at start. */
  hasActivePlatformAdmin(now = Date.now()): boolean {
    return ((this.s.activePlatformAdmins.get(now) as { n: number } | undefined)?.n ?? 0) > 0;
  }

  /** Revoke at once; the record after it (a token revoked before keeps its time). */
  revokeById(id: string, now = Date.now()): TokenRecord | undefined {
    this.s.revokeById.run(now, id);
    return this.get(id);
  }

  revoke(token: string, now = Date.now()): boolean {
    return this.s.revokeByHash.run(now, hashToken(token)).changes > 0;
  }

  private store(token: string, role: Role, name: string, options: NewToken, now: number): TokenRecord {
    const record: TokenRecord = {
      id: randomBytes(8).toString('hex'), name, role, tenant: options.tenant ?? null, created: now,
      createdBy: options.createdBy ?? null, expires: options.expires ?? null, lastUsed: null, revoked: null,
    };
    this.s.insert.run({
      id: record.id, hash: hashToken(token), name, role, tenant: record.tenant, created: now, createdBy: record.createdBy, expires: record.expires,
    });
    return record;
  }
}
