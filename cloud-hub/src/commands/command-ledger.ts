import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PointValue } from '@afferent/device-profiles';
import { migrate } from '../storage/migrations.js';
import { openDatabase, type SqliteDatabase, type Statement } from '../storage/sqlite.js';
import { OPEN_STATUSES } from './command-lifecycle.js';
import type { CommandRecord, CommandStatus, CommandStep } from './command-record.js';
import { COMMANDS_MIGRATIONS } from './commands-schema.js';

interface CommandRow {
  id: string;
  device: string;
  gateway: string;
  write: string;
  readback: number;
  expires: number;
  idempotency_key: string | null;
  status: CommandStatus;
  created: number;
  created_by: string;
  updated: number;
  error: string | null;
  error_code: string | null;
  readback_values: string | null;
  history: string;
}

export interface CommandFilter {
  device?: string;
  /** Only commands to these gateways' devices (a tenant's). */
  gateways?: readonly string[];
  status?: CommandStatus;
  limit: number;
}

const OPEN_SQL = OPEN_STATUSES.map((s) => `'${s}'`).join(', ');

function fromRow(row: CommandRow): CommandRecord {
  return {
    id: row.id,
    device: row.device,
    gateway: row.gateway,
    write: JSON.parse(row.write) as Record<string, PointValue>,
    readback: row.readback === 1,
    expires: row.expires,
    ...(row.idempotency_key !== null ? { idempotencyKey: row.idempotency_key } : {}),
    status: row.status,
    created: row.created,
    createdBy: row.created_by,
    updated: row.updated,
    ...(row.error !== null ? { error: row.error } : {}),
    ...(row.error_code !== null ? { errorCode: JSON.parse(row.error_code) as number | string } : {}),
    ...(row.readback_values !== null ? { readbackValues: JSON.parse(row.readback_values) as Record<string, PointValue> } : {}),
    history: JSON.parse(row.history) as CommandStep[],
  };
}

function toRow(record: CommandRecord): Record<string, string | number | null> {
  return {
    id: record.id,
    device: record.device,
    gateway: record.gateway,
    write: JSON.stringify(record.write),
    readback: record.readback ? 1 : 0,
    expires: record.expires,
    idempotency_key: record.idempotencyKey ?? null,
    status: record.status,
    created: record.created,
    created_by: record.createdBy,
    updated: record.updated,
    error: record.error ?? null,
    error_code: record.errorCode === undefined ? null : JSON.stringify(record.errorCode),
    readback_values: record.readbackValues === undefined ? null : JSON.stringify(record.readbackValues),
    history: JSON.stringify(record.history),
  };
}

/**
 * `commands.db`: every command and its history.
 *
 * Durability follows who can tell the story again. What an operator decided
 * (a new command, a cancel) is committed with synchronous=FULL before the API
 * answers: after a power cut an idempotent retry finds the command instead of
 * writing to the device a second time, and a cancelled command stays
 * cancelled. Everything after that (sent, delivered, outcomes, expiry) is
 * committed with NORMAL: a power cut may lose the last of those steps, and
 * they come back, because the hub sends every open command again when its
 * gateway reconnects and the agent answers from its journal. New commands
 * that arrive in the same turn of the event loop share one commit (one fsync).
 */
export class CommandLedger {
  private batch: { record: CommandRecord; done(error?: unknown): void }[] = [];
  private readonly sql: {
    insert: Statement;
    update: Statement;
    byId: Statement<CommandRow>;
    byKey: Statement<CommandRow>;
    pending: Statement<CommandRow>;
    open: Statement<CommandRow>;
  };

  private constructor(private readonly db: SqliteDatabase) {
    const columns = 'id, device, gateway, write, readback, expires, idempotency_key, status, created, created_by, updated, error, error_code, readback_values, history';
    this.sql = {
      insert: db.prepare(`INSERT INTO commands (${columns}) VALUES (${columns.split(', ').map((c) => `@${c}`).join(', ')})`),
      update: db.prepare(`UPDATE commands SET status = @status, updated = @updated, error = @error, error_code = @error_code,
        readback_values = @readback_values, history = @history WHERE id = @id`),
      byId: db.prepare('SELECT * FROM commands WHERE id = ?'),
      byKey: db.prepare('SELECT * FROM commands WHERE device = ? AND idempotency_key = ?'),
      pending: db.prepare(`SELECT * FROM commands WHERE gateway = ? AND status IN (${OPEN_SQL}) ORDER BY seq`),
      open: db.prepare(`SELECT * FROM commands WHERE status IN (${OPEN_SQL}) ORDER BY seq`),
    };
  }

  static open(dataDir: string): CommandLedger {
    mkdirSync(dataDir, { recursive: true });
    const db = openDatabase(join(dataDir, 'commands.db'), { synchronous: 'NORMAL' });
    try {
      migrate(db, 'commands.db', COMMANDS_MIGRATIONS);
      return new CommandLedger(db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Store a new command durably; resolves once it is on disk. Rejects when it cannot be stored (a duplicate idempotency key). */
  insert(record: CommandRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.batch.push({ record, done: (error) => (error === undefined ? resolve() : reject(error)) }) === 1) setImmediate(() => this.commitBatch());
    });
  }

  /** Store the new state of commands already in the ledger, in one transaction. */
  update(...records: CommandRecord[]): void {
    this.db.transaction(() => {
      for (const record of records) this.updateOne(record);
    })();
  }

  /** An operator's decision about a command already in the ledger (cancel): on disk before this returns. */
  updateDurably(record: CommandRecord): void {
    this.durably(() => this.updateOne(record));
  }

  private updateOne(record: CommandRecord): void {
    const { id, status, updated, error, error_code, readback_values, history } = toRow(record);
    this.sql.update.run({ id, status, updated, error, error_code, readback_values, history } as Record<string, string | number | null>);
  }

  private commitBatch(): void {
    const batch = this.batch;
    this.batch = [];
    if (batch.length === 0) return;
    try {
      this.durably(() => {
        for (const { record } of batch) this.sql.insert.run(toRow(record));
      });
      for (const item of batch) item.done();
    } catch (error) {
      if (batch.length === 1) return batch[0]!.done(error);
      // One bad record must not fail the others: store them one by one.
      for (const item of batch) {
        try {
          this.durably(() => this.sql.insert.run(toRow(item.record)));
          item.done();
        } catch (single) {
          item.done(single);
        }
      }
    }
  }

  /** One transaction with synchronous=FULL (the connection runs NORMAL otherwise). */
  private durably(write: () => void): void {
    this.db.pragma('synchronous = FULL', { simple: true });
    try {
      this.db.transaction(write)();
    } finally {
      this.db.pragma('synchronous = NORMAL', { simple: true });
    }
  }

  get(id: string): CommandRecord | undefined {
    const row = this.sql.byId.get(id);
    return row && fromRow(row);
  }

  byIdempotencyKey(device: string, key: string): CommandRecord | undefined {
    const row = this.sql.byKey.get(device, key);
    return row && fromRow(row);
  }

  /** Open commands of a gateway, oldest first: the order to send them in when it listens again. */
  pending(gateway: string): CommandRecord[] {
    return this.sql.pending.all(gateway).map(fromRow);
  }

  /** Every command still waiting for something (queued, sent, delivered), oldest first. */
  open(): CommandRecord[] {
    return this.sql.open.all().map(fromRow);
  }

  /** Newest first. */
  list(filter: CommandFilter): CommandRecord[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.device !== undefined) {
      where.push('device = ?');
      params.push(filter.device);
    }
    if (filter.status !== undefined) {
      where.push('status = ?');
      params.push(filter.status);
    }
    if (filter.gateways !== undefined) {
      where.push(`gateway IN (${filter.gateways.map(() => '?').join(', ')})`);
      params.push(...filter.gateways);
    }
    const sql = `SELECT * FROM commands ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    return this.db.prepare<CommandRow>(sql).all(...params, filter.limit).map(fromRow);
  }

  /** Store what is waiting for its commit, then close. */
  close(): void {
    if (!this.db.open) return;
    if (this.batch.length > 0) this.commitBatch();
    this.db.close();
  }
}
