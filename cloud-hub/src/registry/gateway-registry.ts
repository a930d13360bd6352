import type { GatewayStatus } from '@afferent/device-profiles';
import { DECOY_HASH, generateSecret, hashSecret, verifySecret } from '../access/credentials.js';
import type { SqliteDatabase, Statement } from '../storage/sqlite.js';

export interface GatewayRecord {
  id: string;
  name: string;
  enabled: boolean;
  created: number;
  /** Last time the hub heard from it (connect, disconnect or any status), ms. */
  lastSeen: number | null;
  online: boolean;
  /** The last status message it sent. */
  status: GatewayStatus | null;
}

export type PasswordCheck = 'ok' | 'unknown' | 'disabled' | 'wrong';

export class GatewayExistsError extends Error {
  constructor(readonly id: string) {
    super(`gateway ${id} already exists`);
    this.name = 'GatewayExistsError';
  }
}

interface GatewayRow {
  id: string;
  name: string;
  secret_hash: string;
  enabled: number;
  created: number;
  last_seen: number | null;
  online: number;
  status: string | null;
}

function toRecord(row: GatewayRow): GatewayRecord {
  return {
    id: row.id,
    name: row.name,
    enabled: row.enabled === 1,
    created: row.created,
    lastSeen: row.last_seen,
    online: row.online === 1,
    status: row.status ? (JSON.parse(row.status) as GatewayStatus) : null,
  };
}

/** Gateways and their MQTT credentials. */
export class GatewayRegistry {
  private readonly statements: {
    insert: Statement;
    get: Statement<GatewayRow>;
    list: Statement<GatewayRow>;
    setEnabled: Statement;
    status: Statement;
    online: Statement;
    allOffline: Statement;
  };

  constructor(db: SqliteDatabase) {
    this.statements = {
      insert: db.prepare('INSERT INTO gateways (id, name, secret_hash, created) VALUES (?, ?, ?, ?)'),
      get: db.prepare('SELECT * FROM gateways WHERE id = ?'),
      list: db.prepare('SELECT * FROM gateways ORDER BY id'),
      setEnabled: db.prepare('UPDATE gateways SET enabled = ? WHERE id = ?'),
      status: db.prepare('UPDATE gateways SET status = ?, online = ?, last_seen = ? WHERE id = ?'),
      online: db.prepare('UPDATE gateways SET online = ?, last_seen = ? WHERE id = ?'),
      allOffline: db.prepare('UPDATE gateways SET online = 0 WHERE online = 1'),
    };
  }

  /** Create a gateway with a fresh MQTT password; the password is returned once and stored only as a hash. */
  async create(id: string, name = id): Promise<{ gateway: GatewayRecord; password: string }> {
    if (this.get(id)) throw new GatewayExistsError(id);
    const password = generateSecret();
    const hash = await hashSecret(password);
    try {
      this.statements.insert.run(id, name, hash, Date.now());
    } catch (error) {
      // Two creates of the same id raced through the await above.
      if ((error as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw new GatewayExistsError(id);
      throw error;
    }
    return { gateway: this.get(id)!, password };
  }

  get(id: string): GatewayRecord | undefined {
    const row = this.statements.get.get(id);
    return row ? toRecord(row) : undefined;
  }

  list(): GatewayRecord[] {
    return this.statements.list.all().map(toRecord);
  }

  /** Unknown gateways are checked against a decoy hash, so the answer takes as long as for a known one. */
  async checkPassword(id: string, password: string): Promise<PasswordCheck> {
    const row = this.statements.get.get(id);
    const matches = await verifySecret(password, row?.secret_hash ?? DECOY_HASH);
    if (!row) return 'unknown';
    if (!matches) return 'wrong';
    return row.enabled === 1 ? 'ok' : 'disabled';
  }

  setEnabled(id: string, enabled: boolean): boolean {
    return this.statements.setEnabled.run(enabled ? 1 : 0, id).changes > 0;
  }

  /**
   * Merged over the previous status: the will says only `{state: "offline"}`,
   * and the last known version, backlog and device health stay worth showing.
   */
  recordStatus(id: string, status: GatewayStatus, now = Date.now()): boolean {
    const previous = this.get(id);
    if (!previous) return false;
    const merged: GatewayStatus = { ...previous.status, ...status };
    this.statements.status.run(JSON.stringify(merged), status.state === 'online' ? 1 : 0, now, id);
    return true;
  }

  setOnline(id: string, online: boolean, now = Date.now()): void {
    this.statements.online.run(online ? 1 : 0, now, id);
  }

  /** At start no gateway is connected, whatever the last run recorded. */
  markAllOffline(): void {
    this.statements.allOffline.run();
  }
}
