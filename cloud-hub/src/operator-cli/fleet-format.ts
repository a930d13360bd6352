import type { DeviceHealth } from '@afferent/device-profiles';
import type { GatewayView } from '../fleet/fleet-schemas.js';
import { age } from './format.js';

/** How the fleet commands describe a gateway in a few words. */

export function presence(gateway: GatewayView): string {
  if (!gateway.enabled) return 'disabled';
  if (!gateway.provisioned) return 'not provisioned';
  return gateway.online ? 'online' : 'offline';
}

/** "v3 applied", "v4 pending (applied v3)", "v4 rejected", "local file" */
export function configState(gateway: GatewayView): string {
  const { desired, applied, sync } = gateway.config;
  if (sync === 'none') return applied ? `v${applied} applied` : 'local file';
  if (sync === 'in-sync') return `v${desired} applied`;
  const running = applied === null ? '' : applied === 0 ? ' (runs its local file)' : ` (runs v${applied})`;
  return `v${desired} ${sync}${running}`;
}

/** "3/4 ok" */
export function deviceSummary(devices: Readonly<Record<string, DeviceHealth>>): string {
  const all = Object.values(devices);
  return all.length === 0 ? '-' : `${all.filter((d) => d.reachable).length}/${all.length} ok`;
}

/** "12 batches, 3400 readings, oldest 5m ago" */
export function backlog(gateway: GatewayView): string {
  const b = gateway.backlog;
  if (!b) return '-';
  if (b.batches === 0) return b.dropped ? `empty (${b.dropped} dropped)` : 'empty';
  return `${b.batches} batches, ${b.readings} readings, oldest ${age(b.oldest)}${b.dropped ? `, ${b.dropped} dropped` : ''}`;
}
