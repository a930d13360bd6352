import type { Logger } from 'pino';
import {
  formatProblem, validateProfile, type ConfigState, type DesiredConfig, type DeviceInstance, type DeviceProfile, type Problem,
} from '@afferent/device-profiles';
import { checkAgentDevices } from '../config/agent-device-check.js';
import type { AgentConfig } from '../config/agent-config.js';
import type { DeviceChanges } from '../devices/device-changes.js';
import type { DeviceTarget } from '../drivers/driver.js';
import { loadAppliedConfig, saveAppliedConfig } from './applied-config-store.js';

export interface ConfigApplierDeps {
  devices: { apply(targets: readonly DeviceTarget[]): Promise<DeviceChanges> };
  dataDir: string;
  /** Relative password files of pushed devices resolve here, as the configuration file's do. */
  baseDir: string;
  /** The device list changed: tell the hub (inventory, status). */
  devicesChanged(): void;
  log: Logger;
  now?: () => number;
}

/**
 * Which devices run, and where that list comes from. Precedence: a config
 * the hub pushed and the agent applied (kept in the data folder) wins over
 * the `devices` of the configuration file, which run only until the hub
 * pushes one. Every change takes the same path: check everything first (the
 * checks of the configuration file), then apply only what changed; a config
 * that fails any check changes nothing.
 */
export class ConfigApplier {
  /** The version running: a pushed one, or 0 for the configuration file's devices. */
  private running = 0;

  constructor(private readonly deps: ConfigApplierDeps) {}

  get version(): number {
    return this.running;
  }

  /** At start: the last applied push if there is a good one, else the file's devices. */
  async start(local: AgentConfig): Promise<DeviceChanges> {
    const stored = loadAppliedConfig(this.deps.dataDir);
    if (stored.config) {
      const checked = this.checkPushed(stored.config);
      if ('targets' in checked) {
        this.running = stored.config.version;
        this.deps.log.info({ version: this.running }, 'running the config the hub pushed last; the configuration file\'s devices are not used');
        return this.deps.devices.apply(checked.targets);
      }
      this.deps.log.error({ error: checked.error }, 'the stored pushed config no longer passes the checks: running the configuration file\'s devices');
    } else if (stored.error) {
      this.deps.log.error({ error: stored.error }, 'the stored pushed config cannot be read: running the configuration file\'s devices');
    }
    return this.deps.devices.apply(localTargets(local));
  }

  /** A config pushed by the hub: applied and kept, or refused with every reason while the running one stays. Never throws. */
  async applyPushed(desired: DesiredConfig): Promise<ConfigState> {
    const t = (this.deps.now ?? Date.now)();
    if (desired.version === this.running) return { version: desired.version, state: 'applied', t };
    const checked = this.checkPushed(desired);
    if ('error' in checked) {
      this.deps.log.warn({ version: desired.version, error: checked.error }, 'refused the config the hub pushed; the running one stays');
      return { version: desired.version, state: 'rejected', t, error: checked.error };
    }
    const changes = await this.deps.devices.apply(checked.targets);
    this.running = desired.version;
    try {
      saveAppliedConfig(this.deps.dataDir, desired);
    } catch (error) {
      this.deps.log.error({ err: (error as Error).message, version: desired.version }, 'applied the pushed config but could not keep it: a restart runs the previous one');
    }
    this.deps.devicesChanged();
    this.deps.log.info({ version: desired.version, ...summary(changes) }, 'applied the config the hub pushed');
    return { version: desired.version, state: 'applied', t: (this.deps.now ?? Date.now)() };
  }

  /** The configuration file, read again (SIGHUP): its devices run unless a pushed config is in force. */
  async applyLocal(local: AgentConfig): Promise<DeviceChanges | undefined> {
    if (this.running !== 0) {
      this.deps.log.warn({ version: this.running, file: local.source },
        'configuration file reloaded, its devices not applied: the config the hub pushed is in force');
      return undefined;
    }
    const changes = await this.deps.devices.apply(localTargets(local));
    this.deps.devicesChanged();
    this.deps.log.info({ file: local.source, ...summary(changes) }, 'configuration file reloaded');
    return changes;
  }

  /** The same checks as the configuration file, against the profiles the push carries. */
  private checkPushed(desired: DesiredConfig): { targets: DeviceTarget[] } | { error: string } {
    const problems: Problem[] = [];
    const profiles = new Map<string, DeviceProfile>();
    desired.profiles.forEach((candidate, index) => {
      const { profile, problems: found } = validateProfile(candidate);
      problems.push(...found.map((p) => ({ ...p, path: ['profiles', index, ...p.path] })));
      if (profile) profiles.set(profile.profile, profile);
    });
    const devices = checkAgentDevices(desired.devices, profiles, this.deps.baseDir);
    problems.push(...devices.problems);
    if (problems.length > 0) {
      const lines = problems.map(formatProblem);
      return { error: lines.length === 1 ? lines[0]! : `${lines.length} problems: ${lines.join('; ')}` };
    }
    return { targets: targetsOf(devices.devices, profiles) };
  }
}

function localTargets(local: AgentConfig): DeviceTarget[] {
  return targetsOf(local.devices, local.profiles);
}

function targetsOf(devices: readonly DeviceInstance[], profiles: ReadonlyMap<string, DeviceProfile>): DeviceTarget[] {
  return devices.map((instance) => ({ instance, profile: profiles.get(instance.profile)! }));
}

function summary(changes: DeviceChanges): Record<string, unknown> {
  return { added: changes.added, removed: changes.removed, changed: changes.changed, unchanged: changes.unchanged.length };
}
