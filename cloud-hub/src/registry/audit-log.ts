import type { SqlValue, SqliteDatabase, Statement } from '../storage/sqlite.js';

/** What the audit log records: admin actions, and the operators' actions on alarms and commands. */
export const AUDIT_ACTIONS = [
  'tenant.create', 'token.create', 'token.revoke',
  'gateway.create', 'gateway.update', 'gateway.disable', 'gateway.enable', 'gateway.rotate', 'config.push',
  'alarm.ack', 'alarm.clear', 'command.cancel',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_OUTCOMES = ['ok', 'refused', 'failed'] as const;
/** ok: done; refused: the caller's role or tenant may not (403); failed: anything else the hub answered with an error. */
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

export interface AuditActor {
  /** The API token's id and name. */
  id: string;
  name: string;
}

export interface NewAuditEntry {
  actor: AuditActor;
  /** The tenant the action concerns (the target's); null: the platform. */
  tenant: string | null;
  action: AuditAction;
  target: string | null;
  outcome: AuditOutcome;
  /** Never a secret. */
  details?: Record<string, unknown>;
}

export interface AuditEntry extends NewAuditEntry {
  id: number;
  t: number;
}

export interface AuditFilter {
  /** Only this tenant's entries; absent: every entry (a platform caller). */
  tenant?: string;
  from?: number;
  to?: number;
  action?: AuditAction;
  limit: number;
}

interface AuditRow {
  id: number;
  t: number;
  actor_id: string;
  actor: string;
  tenant_id: string | null;
  action: AuditAction;
  target: string | null;
  outcome: AuditOutcome;
  details: string | null;
}

/**
 * `audit` in registry.db. Actions that write the registry record their entry
 * inside their own transaction (`Registry.atomically`), so an action and its
 * entry commit together or not at all.
 */
export class AuditLog {
  private readonly insert: Statement;

  constructor(private readonly db: SqliteDatabase) {
    this.insert = db.prepare(`INSERT INTO audit (t, actor_id, actor, tenant_id, action, target, outcome, details)
      VALUES (@t, @actorId, @actor, @tenant, @action, @target, @outcome, @details)`);
  }

  record(entry: NewAuditEntry, now = Date.now()): void {
    this.insert.run({
      t: now, actorId: entry.actor.id, actor: entry.actor.name, tenant: entry.tenant, action: entry.action, target: entry.target,
      outcome: entry.outcome, details: entry.details ? JSON.stringify(entry.details) : null,
    });
  }

  /** Newest first. */
  list(filter: AuditFilter): AuditEntry[] {
    const where: string[] = [];
    const params: SqlValue[] = [];
    const add = (condition: string, value: SqlValue | undefined) => {
      if (value === undefined) return;
      where.push(condition);
      params.push(value);
    };
    add('tenant_id = ?', filter.tenant);
    add('t >= ?', filter.from);
    add('t <= ?', filter.to);
    add('action = ?', filter.action);
    const sql = `SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY t DESC, id DESC LIMIT ?`;
    return this.db.prepare<AuditRow>(sql).all(...params, filter.limit).map((row) => ({
      id: row.id, t: row.t, actor: { id: row.actor_id, name: row.actor }, tenant: row.tenant_id, action: row.action,
      target: row.target, outcome: row.outcome, ...(row.details !== null ? { details: JSON.parse(row.details) as Record<string, unknown> } : {}),
    }));
  }
}
