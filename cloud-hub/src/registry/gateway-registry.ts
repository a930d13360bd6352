import type { ConfigState, GatewayStatus, Labels, Location } from '@afferent/device-profiles';
import { DECOY_HASH, generateSecret, hashSecret, verifySecret } from '../access/credentials.js';
import type { SqliteDatabase, Statement } from '../storage/sqlite.js';
import { matchesLabels, type FleetFilter } from './fleet-filter.js';

export interface GatewayRecord {
  id: string;
  /** Given at creation, never changed. */
  tenant: string;
  name: string;
  labels: Labels;
  location: Location | null;
  enabled: boolean;
  created: number;
  /** Whether it holds MQTT credentials: it exchanged a provisioning token since it was created or rotated. */
  provisioned: boolean;
  /** Last time the hub heard from it (connect, disconnect or any status), ms. */
  lastSeen: number | null;
  online: boolean;
  /** The last status message it sent. */
  status: GatewayStatus | null;
  /** The desired config version it last applied, and its last report (which may be a refusal of a newer one). */
  config: { applied: number | null; last: ConfigState | null };
}

export type PasswordCheck = 'ok' | 'unknown' | 'disabled' | 'wrong';

/** What an admin may change of a gateway. */
export interface GatewayPatch {
  name?: string;
  labels?: Labels;
  location?: Location | null;
  enabled?: boolean;
}

export class GatewayExistsError extends Error {
  constructor(readonly id: string) {
    super(`gateway ${id} already exists`);
    this.name = 'GatewayExistsError';
  }
}

interface GatewayRow {
  id: string;
  tenant_id: string;
  name: string;
  secret_hash: string;
  enabled: number;
  created: number;
  last_seen: number | null;
  online: number;
  status: string | null;
  labels: string;
  location: string | null;
  config_applied: number | null;
  config_state: string | null;
}

/** No password: a gateway not provisioned yet, or whose credentials were rotated away. */
const NO_PASSWORD = '';

function toRecord(row: GatewayRow): GatewayRecord {
  const json = <T>(text: string | null): T | null => (text ? (JSON.parse(text) as T) : null);
  return {
    id: row.id,
    tenant: row.tenant_id,
    name: row.name,
    labels: JSON.parse(row.labels) as Labels,
    location: json<Location>(row.location),
    enabled: row.enabled === 1,
    created: row.created,
    provisioned: row.secret_hash !== NO_PASSWORD,
    lastSeen: row.last_seen,
    online: row.online === 1,
    status: json<GatewayStatus>(row.status),
    config: { applied: row.config_applied, last: json<ConfigState>(row.config_state) },
  };
}

/** Gateways, their MQTT credentials and what they report. */
export class GatewayRegistry {
  private readonly statements: {
    insert: Statement;
    get: Statement<GatewayRow>;
    list: Statement<GatewayRow>;
    update: Statement;
    secret: Statement;
    status: Statement;
    online: Statement;
    allOffline: Statement;
    configState: Statement;
  };

  /** Gateway → tenant: asked for every live event a scoped stream might carry, and it never changes. */
  private readonly tenants = new Map<string, string>();

  constructor(db: SqliteDatabase) {
    for (const row of db.prepare<{ id: string; tenant_id: string }>('SELECT id, tenant_id FROM gateways').all()) this.tenants.set(row.id, row.tenant_id);
    this.statements = {
      insert: db.prepare('INSERT INTO gateways (id, tenant_id, name, secret_hash, created, labels, location) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      get: db.prepare('SELECT * FROM gateways WHERE id = ?'),
      list: db.prepare('SELECT * FROM gateways ORDER BY id'),
      update: db.prepare('UPDATE gateways SET name = @name, labels = @labels, location = @location, enabled = @enabled WHERE id = @id'),
      secret: db.prepare('UPDATE gateways SET secret_hash = ? WHERE id = ?'),
      status: db.prepare('UPDATE gateways SET status = ?, online = ?, last_seen = ? WHERE id = ?'),
      online: db.prepare('UPDATE gateways SET online = ?, last_seen = ? WHERE id = ?'),
      allOffline: db.prepare('UPDATE gateways SET online = 0 WHERE online = 1'),
      configState: db.prepare('UPDATE gateways SET config_state = ?, config_applied = coalesce(?, config_applied) WHERE id = ?'),
    };
  }

  /** A new gateway without credentials: it gets them by exchanging a provisioning token. */
  create(id: string, tenant: string, fields: { name?: string; labels?: Labels; location?: Location } = {}): GatewayRecord {
    try {
      this.statements.insert.run(id, tenant, fields.name ?? id, NO_PASSWORD, Date.now(), JSON.stringify(fields.labels ?? {}),
        fields.location ? JSON.stringify(fields.location) : null);
    } catch (error) {
      if ((error as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw new GatewayExistsError(id);
      throw error;
    }
    this.tenants.set(id, tenant);
    return this.get(id)!;
  }

  tenantOf(id: string): string | undefined {
    return this.tenants.get(id);
  }

  get(id: string): GatewayRecord | undefined {
    const row = this.statements.get.get(id);
    return row ? toRecord(row) : undefined;
  }

  /** Every gateway the filter lets through, by id. The one query behind every gateway listing. */
  list(filter: FleetFilter = {}): GatewayRecord[] {
    return this.statements.list.all().map(toRecord)
      .filter((g) => (filter.gateway === undefined || g.id === filter.gateway) && matchesLabels(g.labels, filter.labels)
        && (filter.tenant === undefined || g.tenant === filter.tenant));
  }

  /** A fresh MQTT password, replacing any earlier one; returned once, stored as a salted hash. */
  async issuePassword(id: string): Promise<string> {
    const password = generateSecret();
    const hash = await hashSecret(password);
    if (this.statements.secret.run(hash, id).changes === 0) throw new Error(`no gateway ${id}`);
    return password;
  }

  /** Forget the password: no connection is admitted until the gateway is provisioned again. */
  clearPassword(id: string): boolean {
    return this.statements.secret.run(NO_PASSWORD, id).changes > 0;
  }

  /** Unknown and unprovisioned gateways are checked against a decoy hash, so every answer takes as long. */
  async checkPassword(id: string, password: string): Promise<PasswordCheck> {
    const row = this.statements.get.get(id);
    const hash = row?.secret_hash || DECOY_HASH;
    const matches = await verifySecret(password, hash);
    if (!row) return 'unknown';
    if (!matches || row.secret_hash === NO_PASSWORD) return 'wrong';
    return row.enabled === 1 ? 'ok' : 'disabled';
  }

  update(id: string, patch: GatewayPatch): GatewayRecord | undefined {
    const current = this.get(id);
    if (!current) return undefined;
    const location = patch.location === undefined ? current.location : patch.location;
    this.statements.update.run({
      id,
      name: patch.name ?? current.name,
      labels: JSON.stringify(patch.labels ?? current.labels),
      location: location ? JSON.stringify(location) : null,
      enabled: (patch.enabled ?? current.enabled) ? 1 : 0,
    });
    return this.get(id);
  }

  setEnabled(id: string, enabled: boolean): boolean {
    return this.update(id, { enabled }) !== undefined;
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

  /** The gateway's report on a desired config: an applied version moves `applied`; a refusal leaves it. */
  recordConfigState(id: string, state: ConfigState): boolean {
    return this.statements.configState.run(JSON.stringify(state), state.state === 'applied' ? state.version : null, id).changes > 0;
  }

  setOnline(id: string, online: boolean, now = Date.now()): void {
    this.statements.online.run(online ? 1 : 0, now, id);
  }

  /** At start no gateway is connected, whatever the last run recorded. */
  markAllOffline(): void {
    this.statements.allOffline.run();
  }
}
