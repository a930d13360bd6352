import type { DeviceTarget } from '../drivers/driver.js';

/** What applying a device list does to the devices that run. */
export interface DeviceChanges {
  added: string[];
  removed: string[];
  /** Their instance or their profile changed: closed and opened again. */
  changed: string[];
  /** Left running as they are: session, poller, alarm state and health untouched. */
  unchanged: string[];
}

/**
 * Compare the devices configured now with the ones wanted. A device is
 * unchanged only when its instance and its profile are the same, field for
 * field (in any key order: a config pushed as JSON and the same one read from
 * YAML must not restart every device).
 */
export function deviceChanges(current: ReadonlyMap<string, DeviceTarget>, wanted: readonly DeviceTarget[]): DeviceChanges {
  const changes: DeviceChanges = { added: [], removed: [], changed: [], unchanged: [] };
  const wantedIds = new Set(wanted.map((t) => t.instance.id));
  for (const id of current.keys()) if (!wantedIds.has(id)) changes.removed.push(id);
  for (const target of wanted) {
    const before = current.get(target.instance.id);
    if (!before) changes.added.push(target.instance.id);
    else if (canonical(before.instance) === canonical(target.instance) && canonical(before.profile) === canonical(target.profile)) changes.unchanged.push(target.instance.id);
    else changes.changed.push(target.instance.id);
  }
  return changes;
}

/** JSON with every object's keys sorted. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v);
}
