import { decodeWire } from '@afferent/device-profiles';
import type { Logger } from '../logging/logger.js';
import type { HubMetrics } from '../metrics/hub-metrics.js';
import type { Registry } from '../registry/registry.js';
import type { MessageHandler } from './message-handler.js';

export interface InventoryHandlerDeps {
  registry: Registry;
  metrics: HubMetrics;
  logger: Logger;
}

/**
 * `v1/gw/{gw}/inventory` (retained; sent on connect and on every change): the
 * devices a gateway runs. Device ids are unique across the hub: when a gateway
 * claims a device another gateway owns, the first owner keeps it and the
 * conflict is logged and counted, for a person to resolve.
 */
export function createInventoryHandler(deps: InventoryHandlerDeps): MessageHandler {
  return (gateway, payload) => {
    const decoded = decodeWire('inventory', payload);
    if (!decoded.ok) {
      deps.metrics.rejectedMessages.inc({ kind: 'inventory' });
      deps.logger.warn({ gateway, error: decoded.error }, 'rejected inventory message');
      return;
    }
    const { devices, profiles } = deps.registry;
    const now = Date.now();
    const changed: string[] = [];
    for (const device of decoded.value.devices) {
      const claim = devices.claim(gateway, device, now);
      if (claim.outcome === 'conflict') {
        deps.metrics.deviceConflicts.inc();
        deps.logger.warn({ gateway, device: device.id, owner: claim.owner },
          `gateway ${gateway} claims device ${device.id}, which belongs to gateway ${claim.owner}: ownership kept, its data from ${gateway} is dropped`);
        continue;
      }
      if (claim.outcome !== 'unchanged') changed.push(device.id);
      if (claim.outcome !== 'unchanged' && !profiles.get(device.profile)) {
        deps.logger.warn({ gateway, device: device.id, profile: device.profile },
          'device uses a profile the hub does not know: its values are stored unchecked');
      }
    }
    if (changed.length > 0) deps.logger.info({ gateway, devices: changed }, 'inventory: devices registered or updated');
  };
}
