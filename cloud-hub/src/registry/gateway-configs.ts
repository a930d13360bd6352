import type { DesiredConfig } from '@afferent/device-profiles';
import type { SqliteDatabase, Statement } from '../storage/sqlite.js';

/** One version of a gateway's desired configuration. */
export interface GatewayConfigRecord {
  gateway: string;
  version: number;
  /** The device list as the admin wrote it: templates not expanded, so it reads back as it was pushed. */
  devices: unknown[];
  /** Exactly what was published to the gateway (devices expanded, with their profiles). */
  published: DesiredConfig;
  created: number;
  createdBy: string;
}

interface ConfigRow {
  gateway_id: string;
  version: number;
  devices: string;
  published: string;
  created: number;
  created_by: string;
}

function toRecord(row: ConfigRow): GatewayConfigRecord {
  return {
    gateway: row.gateway_id, version: row.version, devices: JSON.parse(row.devices) as unknown[],
    published: JSON.parse(row.published) as DesiredConfig, created: row.created, createdBy: row.created_by,
  };
}

/** Desired configurations of gateways, every version kept (they are small, and say who changed what when). */
export class GatewayConfigs {
  private readonly latestOf: Statement<ConfigRow>;
  private readonly allLatest: Statement<ConfigRow>;
  private readonly insert: Statement;
  private readonly store: (gateway: string, build: (version: number) => Omit<GatewayConfigRecord, 'gateway' | 'version'>) => GatewayConfigRecord;

  constructor(db: SqliteDatabase) {
    this.latestOf = db.prepare('SELECT * FROM gateway_configs WHERE gateway_id = ? ORDER BY version DESC LIMIT 1');
    this.allLatest = db.prepare(`SELECT c.* FROM gateway_configs c
      JOIN (SELECT gateway_id, max(version) AS version FROM gateway_configs GROUP BY gateway_id) m USING (gateway_id, version)
      ORDER BY c.gateway_id`);
    this.insert = db.prepare('INSERT INTO gateway_configs (gateway_id, version, devices, published, created, created_by) VALUES (?, ?, ?, ?, ?, ?)');
    // The next version and its row in one transaction: two pushes at once get two versions.
    this.store = db.transaction((gateway: string, build: (version: number) => Omit<GatewayConfigRecord, 'gateway' | 'version'>) => {
      const version = (this.latestOf.get(gateway)?.version ?? 0) + 1;
      const record = { gateway, version, ...build(version) };
      this.insert.run(gateway, version, JSON.stringify(record.devices), JSON.stringify(record.published), record.created, record.createdBy);
      return record;
    });
  }

  /** Store the next version; `build` gets its number (the published config carries it). */
  add(gateway: string, build: (version: number) => Omit<GatewayConfigRecord, 'gateway' | 'version'>): GatewayConfigRecord {
    return this.store(gateway, build);
  }

  latest(gateway: string): GatewayConfigRecord | undefined {
    const row = this.latestOf.get(gateway);
    return row ? toRecord(row) : undefined;
  }

  /** The newest version of every gateway that has one: what the hub publishes again when it starts. */
  allLatestVersions(): GatewayConfigRecord[] {
    return this.allLatest.all().map(toRecord);
  }
}
