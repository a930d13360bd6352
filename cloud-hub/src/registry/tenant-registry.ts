import type { SqliteDatabase, Statement } from '../storage/sqlite.js';

/** The tenant every gateway belonged to before there were tenants, and the one a platform admin's gateways go to by default. */
export const DEFAULT_TENANT = 'default';

export interface TenantRecord {
  id: string;
  name: string;
  created: number;
}

export class TenantExistsError extends Error {
  constructor(readonly id: string) {
    super(`tenant ${id} already exists`);
    this.name = 'TenantExistsError';
  }
}

/** Tenants: city departments or customers, each with its own gateways, devices and tokens. Only platform admins make them. */
export class TenantRegistry {
  private readonly insert: Statement;
  private readonly byId: Statement<TenantRecord>;
  private readonly all: Statement<TenantRecord>;

  constructor(db: SqliteDatabase) {
    this.insert = db.prepare('INSERT INTO tenants (id, name, created) VALUES (?, ?, ?)');
    this.byId = db.prepare('SELECT id, name, created FROM tenants WHERE id = ?');
    this.all = db.prepare('SELECT id, name, created FROM tenants ORDER BY id');
  }

  create(id: string, name = id, now = Date.now()): TenantRecord {
    try {
      this.insert.run(id, name, now);
    } catch (error) {
      if ((error as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw new TenantExistsError(id);
      throw error;
    }
    return { id, name, created: now };
  }

  get(id: string): TenantRecord | undefined {
    return this.byId.get(id);
  }

  list(): TenantRecord[] {
    return this.all.all();
  }
}
