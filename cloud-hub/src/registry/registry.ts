import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { migrate } from '../storage/migrations.js';
import { openDatabase, type SqliteDatabase } from '../storage/sqlite.js';
import { DeviceRegistry } from './device-registry.js';
import { GatewayConfigs } from './gateway-configs.js';
import { AuditLog } from './audit-log.js';
import { GatewayRegistry } from './gateway-registry.js';
import { ProfileRegistry } from './profile-registry.js';
import { ProvisioningTokens } from './provisioning-tokens.js';
import { REGISTRY_MIGRATIONS } from './registry-schema.js';
import { TenantRegistry } from './tenant-registry.js';
import { TokenRegistry } from './token-registry.js';

/** Everything the hub knows about tenants, gateways, devices, profiles, desired configs, tokens and who did what: `registry.db`. */
export class Registry {
  readonly tenants: TenantRegistry;
  readonly gateways: GatewayRegistry;
  readonly provisioningTokens: ProvisioningTokens;
  readonly configs: GatewayConfigs;
  readonly devices: DeviceRegistry;
  readonly profiles: ProfileRegistry;
  readonly tokens: TokenRegistry;
  readonly audit: AuditLog;
  private readonly db: SqliteDatabase;

  private constructor(db: SqliteDatabase) {
    this.db = db;
    this.tenants = new TenantRegistry(db);
    this.gateways = new GatewayRegistry(db);
    this.provisioningTokens = new ProvisioningTokens(db);
    this.configs = new GatewayConfigs(db);
    this.devices = new DeviceRegistry(db, (gateway) => this.gateways.tenantOf(gateway));
    this.profiles = new ProfileRegistry(db);
    this.tokens = new TokenRegistry(db);
    this.audit = new AuditLog(db);
  }

  /** Everything `fn` writes to registry.db commits together (an action and its audit entry), or not at all if it throws. */
  atomically<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  static open(dataDir: string): Registry {
    mkdirSync(dataDir, { recursive: true });
    const db = openDatabase(join(dataDir, 'registry.db'));
    try {
      migrate(db, 'registry.db', REGISTRY_MIGRATIONS);
      return new Registry(db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
