import type { Logger } from 'pino';
import { DEVICE_DEFAULTS, parseDuration, type Inventory, type Protocol, type Reading } from '@afferent/device-profiles';
import type { AlarmEngine } from '../alarms/alarm-engine.js';
import type { CommandTarget } from '../commands/agent-commands.js';
import type { DeviceObserver } from '../device-observer.js';
import type { DeviceTarget, Driver } from '../drivers/driver.js';
import { DRIVER_TABLE } from '../drivers/driver-table.js';
import { DevicePoller } from '../sampling/device-poller.js';
import { deviceChanges, type DeviceChanges } from './device-changes.js';

export interface DeviceSetOptions {
  dataDir: string;
  observer: DeviceObserver;
  alarms: AlarmEngine;
  /** Where readings go (the batcher, and through it the outbox). */
  emit(reading: Reading): void;
  log: Logger;
}

/**
 * The devices the agent runs: for each, a driver session, a poller, its
 * alarms and its health. `apply` brings them to a new list touching only what
 * changed: removed devices stop, changed ones stop and start again, new ones
 * start, and the rest keep running as they are (their session, their
 * poller's timing, their alarm state). The set knows nothing of the outbox or
 * the uplink: an apply cannot lose or resend data already read.
 */
export class DeviceSet {
  /** Devices running, with their session: commands write through the poller's own session. */
  readonly running = new Map<string, CommandTarget>();
  /** Devices configured that do not run, and why (disabled, or their driver could not open them). */
  readonly unavailable = new Map<string, string>();
  private readonly configured = new Map<string, DeviceTarget>();
  private readonly pollers = new Map<string, DevicePoller>();
  private readonly drivers = new Map<Protocol, Driver>();
  /** Applies run one after another: a push arriving during a reload waits for it. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: DeviceSetOptions) {}

  /** Devices being polled. */
  get polled(): number {
    return this.pollers.size;
  }

  apply(targets: readonly DeviceTarget[]): Promise<DeviceChanges> {
    const run = this.queue.then(() => this.applyNow(targets));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The devices this gateway runs, as the hub's inventory lists them. */
  inventory(): Inventory {
    const devices = [...this.configured.values()].filter(({ instance }) => instance.enabled !== false);
    return {
      t: Date.now(),
      devices: devices.map(({ instance, profile }) => ({
        id: instance.id, profile: profile.profile, profileVersion: profile.version, protocol: profile.protocol,
        ...(instance.labels ? { labels: instance.labels } : {}),
        ...(instance.location ? { location: instance.location } : {}),
      })),
    };
  }

  /** Stop sampling (for good: later applies change nothing); sessions stay open for the commands still writing. */
  async stopPolling(): Promise<void> {
    this.closed = true;
    await this.queue;
    await Promise.all([...this.pollers.values()].map((poller) => poller.stop()));
    this.pollers.clear();
  }

  /** Stop sampling and close every driver, and with them every session. */
  async close(): Promise<void> {
    await this.stopPolling();
    this.running.clear();
    await Promise.all([...this.drivers.values()].map((driver) => driver.close()));
  }

  private async applyNow(targets: readonly DeviceTarget[]): Promise<DeviceChanges> {
    if (this.closed) return { added: [], removed: [], changed: [], unchanged: [] };
    const changes = deviceChanges(this.configured, targets);
    const wanted = new Map(targets.map((target) => [target.instance.id, target]));
    // Stop before starting: a changed device's new session may need what the old one holds (a serial port opens once).
    await Promise.all([...changes.removed, ...changes.changed].map((id) => this.stop(id)));
    for (const id of changes.removed) {
      this.configured.delete(id);
      this.unavailable.delete(id);
      this.options.alarms.forget(id);
      this.options.observer.remove(id);
    }
    const starting = [...changes.changed, ...changes.added].map((id) => wanted.get(id)!);
    await this.loadDrivers(starting);
    for (const target of starting) this.start(target);
    if (changes.added.length + changes.removed.length + changes.changed.length > 0) {
      this.options.log.info({ added: changes.added, removed: changes.removed, changed: changes.changed, unchanged: changes.unchanged.length }, 'devices applied');
    }
    return changes;
  }

  private start(target: DeviceTarget): void {
    const { instance, profile } = target;
    const { observer, alarms, log } = this.options;
    this.configured.set(instance.id, target);
    this.unavailable.delete(instance.id);
    observer.remove(instance.id);
    if (instance.enabled === false) {
      alarms.forget(instance.id);
      this.unavailable.set(instance.id, 'disabled in the gateway configuration');
      return;
    }
    // Tracked from the start, so that a device that never answers is still listed.
    const tracker = observer.add(instance.id);
    alarms.track(target);
    try {
      const session = this.driver(profile.protocol).open(target);
      this.running.set(instance.id, { target, session });
      const poller = new DevicePoller({
        target,
        session,
        intervalMs: parseDuration(instance.interval ?? DEVICE_DEFAULTS.interval),
        heartbeatMs: parseDuration(instance.heartbeat ?? DEVICE_DEFAULTS.heartbeat),
        emit: (reading) => this.options.emit(reading),
        observer,
        alarms,
        log,
      });
      this.pollers.set(instance.id, poller);
      poller.start();
    } catch (error) {
      // One device the driver cannot even open must not keep the others from running.
      tracker.readFailed((error as Error).message);
      this.unavailable.set(instance.id, `not started: ${(error as Error).message}`);
      log.error({ device: instance.id, err: (error as Error).message }, 'device not started');
    }
  }

  /** Stop a device's poller (a read in progress finishes) and close its session. */
  private async stop(id: string): Promise<void> {
    const poller = this.pollers.get(id);
    const running = this.running.get(id);
    this.pollers.delete(id);
    this.running.delete(id);
    await poller?.stop();
    await running?.session.close().catch((error: Error) => this.options.log.warn({ device: id, err: error.message }, 'closing a device session failed'));
  }

  /**
   * Load the drivers these devices need before any of them polls. Loading a
   * library runs its module code on the event loop (node-opcua: about a
   * second), and every read timer that expires meanwhile is a false "no
   * answer in time": at start, before the first poll, that costs nothing.
   */
  private async loadDrivers(targets: readonly DeviceTarget[]): Promise<void> {
    const protocols = new Set(targets.filter((t) => t.instance.enabled !== false).map((t) => t.profile.protocol));
    await Promise.all([...protocols].map(async (protocol) => {
      try {
        await this.driver(protocol).load?.();
      } catch {
        // No such driver: start() says so for each of its devices.
      }
    }));
  }

  private driver(protocol: Protocol): Driver {
    let driver = this.drivers.get(protocol);
    if (!driver) {
      const create = DRIVER_TABLE[protocol];
      if (!create) throw new Error(`no ${protocol} driver`);
      this.drivers.set(protocol, (driver = create({ log: this.options.log, dataDir: this.options.dataDir })));
    }
    return driver;
  }
}
