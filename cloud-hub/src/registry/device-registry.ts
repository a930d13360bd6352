import type { Inventory, Location } from '@afferent/device-profiles';
import type { SqliteDatabase, Statement } from '../storage/sqlite.js';
import { matchesLabels, type FleetFilter } from './fleet-filter.js';

/** The profile of a device the hub has only seen telemetry from. */
export const UNKNOWN_PROFILE = 'unknown';

export interface DeviceRecord {
  id: string;
  gateway: string;
  profile: string;
  profileVersion: number | null;
  protocol: string | null;
  labels: Record<string, string>;
  /** Where the gateway's configuration says it is. */
  location: Location | null;
  firstSeen: number;
  /** Newest sample time received, ms (edge time). */
  lastSeen: number | null;
}

export type InventoryDevice = Inventory['devices'][number];

/** What claiming a device from a gateway's inventory did. */
export type ClaimOutcome =
  | { outcome: 'created' | 'updated' | 'unchanged' }
  /** Another gateway owns this device id; its ownership is kept. */
  | { outcome: 'conflict'; owner: string };

interface DeviceRow {
  id: string;
  gateway_id: string;
  profile: string;
  profile_version: number | null;
  protocol: string | null;
  labels: string;
  location: string | null;
  first_seen: number;
  last_seen: number | null;
}

/**
 * Devices, unique by id across the hub. Ingest looks a device up for every
 * reading, so the registry keeps all of them in memory (thousands, not
 * millions) and writes through to SQLite.
 */
export class DeviceRegistry {
  private readonly devices = new Map<string, DeviceRecord>();
  private readonly upsert: Statement;
  private readonly seen: Statement;
  private readonly touchAll: (seen: ReadonlyMap<string, number>) => void;

  /** `tenantOf`: a gateway's tenant (fixed at its creation), for listings scoped to a tenant. */
  constructor(db: SqliteDatabase, private readonly tenantOf: (gateway: string) => string | undefined) {
    for (const row of db.prepare<DeviceRow>('SELECT * FROM devices').all()) {
      this.devices.set(row.id, {
        id: row.id, gateway: row.gateway_id, profile: row.profile, profileVersion: row.profile_version,
        protocol: row.protocol, labels: JSON.parse(row.labels) as Record<string, string>,
        location: row.location ? (JSON.parse(row.location) as Location) : null, firstSeen: row.first_seen, lastSeen: row.last_seen,
      });
    }
    this.upsert = db.prepare(`INSERT INTO devices (id, gateway_id, profile, profile_version, protocol, labels, location, first_seen, last_seen)
      VALUES (@id, @gateway, @profile, @profileVersion, @protocol, @labels, @location, @firstSeen, @lastSeen)
      ON CONFLICT (id) DO UPDATE SET profile = excluded.profile, profile_version = excluded.profile_version,
        protocol = excluded.protocol, labels = excluded.labels, location = excluded.location`);
    this.seen = db.prepare('UPDATE devices SET last_seen = ? WHERE id = ? AND (last_seen IS NULL OR last_seen < ?)');
    this.touchAll = db.transaction((seen: ReadonlyMap<string, number>) => {
      for (const [id, t] of seen) this.seen.run(t, id, t);
    });
  }

  get(id: string): DeviceRecord | undefined {
    return this.devices.get(id);
  }

  /** Every device the filter lets through, by id. The one query behind every device listing. */
  list(filter: FleetFilter = {}): DeviceRecord[] {
    return [...this.devices.values()]
      .filter((d) => (filter.gateway === undefined || d.gateway === filter.gateway) && matchesLabels(d.labels, filter.labels)
        && (filter.tenant === undefined || this.tenantOf(d.gateway) === filter.tenant))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Register or update a device a gateway says it runs. The first owner keeps a device id. */
  claim(gateway: string, device: InventoryDevice, now = Date.now()): ClaimOutcome {
    const existing = this.devices.get(device.id);
    if (existing && existing.gateway !== gateway) return { outcome: 'conflict', owner: existing.gateway };
    const labels = device.labels ?? {};
    const location = device.location ?? null;
    if (existing && existing.profile === device.profile && existing.profileVersion === device.profileVersion
      && existing.protocol === device.protocol && JSON.stringify(existing.labels) === JSON.stringify(labels)
      && JSON.stringify(existing.location) === JSON.stringify(location)) {
      return { outcome: 'unchanged' };
    }
    this.write({
      id: device.id, gateway, profile: device.profile, profileVersion: device.profileVersion, protocol: device.protocol,
      labels, location, firstSeen: existing?.firstSeen ?? now, lastSeen: existing?.lastSeen ?? null,
    });
    return { outcome: existing ? 'updated' : 'created' };
  }

  /** A device seen only in telemetry: kept, with profile `unknown`, so its data is never dropped. */
  autoRegister(gateway: string, id: string, now = Date.now()): DeviceRecord {
    const record: DeviceRecord = {
      id, gateway, profile: UNKNOWN_PROFILE, profileVersion: null, protocol: null, labels: {}, location: null, firstSeen: now, lastSeen: null,
    };
    this.write(record);
    return record;
  }

  /** Newest sample time per device, written in one transaction per ingest flush. */
  touch(seen: ReadonlyMap<string, number>): void {
    if (seen.size === 0) return;
    this.touchAll(seen);
    for (const [id, t] of seen) {
      const device = this.devices.get(id);
      if (device && (device.lastSeen === null || device.lastSeen < t)) device.lastSeen = t;
    }
  }

  private write(record: DeviceRecord): void {
    this.upsert.run({
      id: record.id, gateway: record.gateway, profile: record.profile, profileVersion: record.profileVersion,
      protocol: record.protocol, labels: JSON.stringify(record.labels),
      location: record.location ? JSON.stringify(record.location) : null, firstSeen: record.firstSeen, lastSeen: record.lastSeen,
    });
    this.devices.set(record.id, record);
  }
}
