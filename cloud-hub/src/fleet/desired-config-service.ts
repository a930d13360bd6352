import {
  checkDeviceList, formatProblem, type ConfigState, type DesiredConfig, type DeviceProfile,
} from '@afferent/device-profiles';
import { ApiError } from '../api/errors.js';
import type { Logger } from '../logging/logger.js';
import type { GatewayConfigRecord } from '../registry/gateway-configs.js';
import type { Registry } from '../registry/registry.js';
import type { TokenIdentity } from '../registry/token-registry.js';

/** Where a gateway stands with its desired configuration. */
export type ConfigSync =
  /** No desired configuration: the gateway runs its own file's devices. */
  | 'none'
  /** It runs the desired version. */
  | 'in-sync'
  /** It refused the desired version (see `error`) and runs an older one. */
  | 'rejected'
  /** It has not confirmed the desired version yet (offline, or busy applying). */
  | 'pending';

export interface ConfigReport {
  desired: number | null;
  applied: number | null;
  sync: ConfigSync;
  /** Why the gateway refused the desired version. */
  error?: string;
}

export interface DesiredConfigDeps {
  registry: Registry;
  /** Publish retained on the gateway's `config` topic. */
  publish(gateway: string, config: DesiredConfig): void;
  logger: Logger;
  now?: () => number;
}

/**
 * Desired configurations: checked against the profiles the hub knows with
 * the same device-list check the agent runs (templates expanded, ids unique
 * here and across the hub), stored with the next version, and published
 * retained on `v1/gw/{gw}/config` with the profiles the devices use. The
 * gateway reports on `config-state`; the difference between the two is drift.
 */
export class DesiredConfigService {
  constructor(private readonly deps: DesiredConfigDeps) {}

  /** Check, store as the next version with its audit entry (one transaction), publish. */
  push(gateway: string, devices: unknown[], actor: TokenIdentity): GatewayConfigRecord {
    const { registry } = this.deps;
    const tenant = registry.gateways.tenantOf(gateway);
    if (tenant === undefined) throw new ApiError('gateway_not_found', `no gateway ${JSON.stringify(gateway)}`);
    const checked = checkDeviceList(devices, {
      profileOf: (name) => registry.profiles.get(name)?.profile,
      knownProfiles: () => registry.profiles.list().map((entry) => entry.profile.profile),
      checkDevice: (device) => {
        const owner = registry.devices.get(device.id)?.gateway;
        if (owner === undefined || owner === gateway) return [];
        // Ids are unique across the hub, so that the id is taken cannot be hidden; whose it is can, outside the tenant.
        const whose = registry.gateways.tenantOf(owner) === tenant ? `gateway ${owner}` : 'a gateway of another tenant';
        return [{ path: ['id'], message: `device "${device.id}" belongs to ${whose}: device ids are unique across the hub` }];
      },
    });
    if (checked.problems.length > 0) {
      const lines = checked.problems.map(formatProblem);
      throw new ApiError('invalid_config', lines.length === 1 ? lines[0] : `${lines.length} problems:\n${lines.join('\n')}`);
    }
    const instances = checked.devices.map((d) => d.device);
    const profiles = new Map<string, DeviceProfile>();
    for (const device of instances) profiles.set(device.profile, registry.profiles.get(device.profile)!.profile);
    const record = registry.atomically(() => {
      const added = registry.configs.add(gateway, (version) => ({
        devices,
        published: { version, devices: instances, profiles: [...profiles.values()] },
        created: (this.deps.now ?? Date.now)(),
        createdBy: actor.name,
      }));
      registry.audit.record({
        actor, tenant, action: 'config.push', target: gateway, outcome: 'ok', details: { version: added.version, devices: instances.length },
      });
      return added;
    });
    this.deps.publish(gateway, record.published);
    this.deps.logger.info({ gateway, version: record.version, devices: instances.length, by: actor.name }, 'desired config published');
    return record;
  }

  latest(gateway: string): GatewayConfigRecord | undefined {
    return this.deps.registry.configs.latest(gateway);
  }

  /** Desired against reported, for one gateway. */
  report(gateway: string): ConfigReport {
    const desired = this.deps.registry.configs.latest(gateway)?.version ?? null;
    const { applied, last } = this.deps.registry.gateways.get(gateway)?.config ?? { applied: null, last: null };
    const base = { desired, applied };
    if (desired === null) return { ...base, sync: 'none' };
    if (applied === desired) return { ...base, sync: 'in-sync' };
    if (last?.state === 'rejected' && last.version === desired) return { ...base, sync: 'rejected', ...(last.error ? { error: last.error } : {}) };
    return { ...base, sync: 'pending' };
  }

  /** The broker keeps retained messages in memory only: a starting hub publishes every gateway's newest config again. */
  republishAll(): void {
    for (const record of this.deps.registry.configs.allLatestVersions()) this.deps.publish(record.gateway, record.published);
  }

  /** A gateway's `config-state` report. */
  recordState(gateway: string, state: ConfigState): void {
    if (!this.deps.registry.gateways.recordConfigState(gateway, state)) return;
    if (state.state === 'rejected') this.deps.logger.warn({ gateway, version: state.version, error: state.error }, 'gateway refused its desired config');
    else this.deps.logger.info({ gateway, version: state.version }, 'gateway applied config');
  }
}
