import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { migrate } from '../storage/migrations.js';
import { openDatabase, type SqliteDatabase } from '../storage/sqlite.js';
import { DeviceRegistry } from './device-registry.js';
import { GatewayConfigs } from './gateway-configs.js';
import { GatewayRegistry } from './gateway-registry.js';
import { ProfileRegistry } from './profile-registry.js';
import { ProvisioningTokens } from './provisioning-tokens.js';
import { REGISTRY_MIGRATIONS } from './registry-schema.js';
import { TokenRegistry } from './token-registry.js';

/** Everything the hub knows about gateways, devices, profiles, desired configs and tokens: `registry.db`. */
export class Registry {
  readonly gateways: GatewayRegistry;
  readonly provisioningTokens: ProvisioningTokens;
  readonly configs: GatewayConfigs;
  readonly devices: DeviceRegistry;
  readonly profiles: ProfileRegistry;
  readonly tokens: TokenRegistry;
  private readonly db: SqliteDatabase;

  private constructor(db: SqliteDatabase) {
    this.db = db;
    this.gateways = new GatewayRegistry(db);
    this.provisioningTokens = new ProvisioningTokens(db);
    this.configs = new GatewayConfigs(db);
    this.devices = new DeviceRegistry(db);
    this.profiles = new ProfileRegistry(db);
    this.tokens = new TokenRegistry(db);
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
