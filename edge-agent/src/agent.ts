import { pino, type Logger } from 'pino';
import {
  DEVICE_DEFAULTS, parseDuration,
  type DeviceInstance, type Inventory, type Protocol, type Reading,
} from '@afferent/device-profiles';
import { AGENT_VERSION } from './agent-version.js';
import { AlarmEngine } from './alarms/alarm-engine.js';
import { AgentCommands, type CommandTarget } from './commands/agent-commands.js';
import { CommandJournal } from './commands/command-journal.js';
import type { AgentConfig } from './config/agent-config.js';
import { DeviceObserver } from './device-observer.js';
import type { Driver } from './drivers/driver.js';
import { DRIVER_TABLE } from './drivers/driver-table.js';
import { Batcher } from './outbox/batcher.js';
import { Outbox } from './outbox/outbox.js';
import { DevicePoller } from './sampling/device-poller.js';
import { AgentMetrics } from './status/agent-metrics.js';
import { startStatusServer, type HealthReport, type StatusServer } from './status/status-server.js';
import { Uplink } from './uplink/uplink.js';

export interface RunningAgent {
  /** `http://host:port` of /healthz and /metrics (the real port when the config said 0). */
  statusUrl: string;
  /** Devices being polled. */
  devices: number;
  /** Stop polling, flush readings to the outbox, close it, disconnect. Safe to call twice. */
  stop(): Promise<void>;
}

export interface AgentOptions {
  /** Default: pino at the config's level, to stderr. */
  log?: Logger;
  /** Also export Node's own metrics (CPU, memory, event-loop delay): for the one agent of a process. */
  processMetrics?: boolean;
}

/** How often the outbox age limit is applied when nothing is being appended. */
const PRUNE_EVERY_MS = 60_000;

/**
 * The agent: drivers → pollers → normaliser → batcher → outbox → uplink, and
 * commands from the hub back down to the drivers, with health and metrics on
 * the status server. Sampling never waits for the uplink: with the hub down,
 * readings go to the outbox all the same.
 */
export async function startAgent(config: AgentConfig, options: AgentOptions = {}): Promise<RunningAgent> {
  const log = options.log ?? pino({ level: config.logLevel, base: { gateway: config.gatewayId } }, pino.destination(2));
  const outbox = new Outbox(config.dataDir, config.outbox);
  let uplink: Uplink | undefined;
  const devices = config.devices.filter((device) => device.enabled !== false);
  const alarms = new AlarmEngine({
    targets: devices.map((instance) => ({ instance, profile: config.profiles.get(instance.profile)! })),
    outbox,
    stored: () => uplink?.notify(),
    transition: (t) => metrics.alarmTransitions.inc({ device: t.d, alarm: t.alarm, state: t.state, severity: t.severity }),
    log,
  });
  const activeAlarmCount = () => Object.values(alarms.active()).reduce((n, a) => n + Object.keys(a).length, 0);
  const metrics = new AgentMetrics({ outbox: () => outbox.stats(), uplinkConnected: () => uplink?.connected ?? false, activeAlarms: activeAlarmCount });
  if (options.processMetrics) metrics.collectProcessMetrics();
  const observer = new DeviceObserver(metrics, log);
  const batcher = new Batcher<Reading>(outbox, 'telemetry', { maxItems: config.uplink.batchMaxReadings, lingerMs: config.uplink.batchLingerMs }, {
    stored: () => uplink?.notify(),
    failed: (error) => log.error({ err: (error as Error).message, lostSoFar: batcher.lost }, 'the outbox refused a batch; keeping it in memory and retrying'),
  });

  const drivers = new Map<Protocol, Driver>();
  const pollers: DevicePoller[] = [];
  // Commands write through the poller's own session: one connection per device, whoever uses it.
  const running = new Map<string, CommandTarget>();
  const unavailable = new Map(config.devices.filter((d) => d.enabled === false).map((d) => [d.id, 'disabled in the gateway configuration']));
  for (const instance of devices) {
    const profile = config.profiles.get(instance.profile)!;
    const tracker = observer.add(instance.id);
    try {
      let driver = drivers.get(profile.protocol);
      if (!driver) {
        const create = DRIVER_TABLE[profile.protocol];
        if (!create) throw new Error(`no ${profile.protocol} driver`);
        drivers.set(profile.protocol, (driver = create({ log, dataDir: config.dataDir })));
      }
      const target = { instance, profile };
      const session = driver.open(target);
      running.set(instance.id, { target, session });
      pollers.push(new DevicePoller({
        target,
        session,
        intervalMs: parseDuration(instance.interval ?? DEVICE_DEFAULTS.interval),
        heartbeatMs: parseDuration(instance.heartbeat ?? DEVICE_DEFAULTS.heartbeat),
        emit: (reading) => batcher.add(reading),
        observer,
        alarms,
        log,
      }));
    } catch (error) {
      // One device the driver cannot even open must not keep the others from running.
      tracker.readFailed((error as Error).message);
      unavailable.set(instance.id, `not started: ${(error as Error).message}`);
      log.error({ device: instance.id, err: (error as Error).message }, 'device not started');
    }
  }

  const journal = new CommandJournal(config.dataDir, config.outbox.synchronous);
  const commands = new AgentCommands({
    gatewayId: config.gatewayId, journal, devices: running, unavailable, log,
    finished: (device, status) => metrics.commands.inc({ device, status }),
  });

  const backlog = () => outbox.stats();
  uplink = new Uplink({
    gatewayId: config.gatewayId,
    url: config.hub.url,
    username: config.hub.username,
    ...(config.hub.password === undefined ? {} : { password: config.hub.password }),
    outbox,
    inflight: config.uplink.inflight,
    ackTimeoutMs: config.uplink.ackTimeoutMs,
    ...(config.uplink.backfillRate > 0 ? { backfillRate: config.uplink.backfillRate } : {}),
    inventory: () => inventoryOf(devices, config),
    status: () => ({ version: AGENT_VERSION, backlog: backlog(), devices: observer.snapshot() }),
    log,
    counters: {
      sent: (n) => metrics.batchesSent.inc(n),
      acked: (n) => metrics.batchesAcked.inc(n),
      resent: (n) => metrics.batchesResent.inc(n),
      ignoredAck: (why) => log.warn({ why }, 'ignored an ack'),
    },
    users: [commands],
  });

  const health = (): HealthReport => ({
    ok: true,
    gateway: config.gatewayId,
    version: AGENT_VERSION,
    uplink: { connected: uplink!.connected, unacknowledged: uplink!.unacknowledged },
    backlog: backlog(),
    devices: observer.snapshot(),
    alarms: alarms.active(),
  });
  let status: StatusServer;
  try {
    status = await startStatusServer({ ...config.status, metrics, health, log });
  } catch (error) {
    outbox.close();
    journal.close();
    await Promise.all([...drivers.values()].map((d) => d.close()));
    throw new Error(`cannot serve status on ${config.status.host}:${config.status.port}: ${(error as Error).message}`);
  }

  commands.start();
  uplink.start();
  alarms.start();
  for (const poller of pollers) poller.start();
  const prune = setInterval(() => {
    const dropped = outbox.prune();
    if (dropped > 0) log.warn({ dropped }, 'outbox age limit: dropped the oldest telemetry');
  }, PRUNE_EVERY_MS);
  log.info({ devices: pollers.length, status: status.url, hub: config.hub.url, outbox: outbox.path, epoch: outbox.epoch }, 'agent started');

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (async () => {
    clearInterval(prune);
    await Promise.all(pollers.map((poller) => poller.stop()));
    await commands.stop();
    alarms.stop();
    batcher.close();
    await uplink!.stop();
    await Promise.all([...drivers.values()].map((driver) => driver.close()));
    journal.close();
    outbox.close();
    await status.close();
    log.info('agent stopped');
  })());
  return { statusUrl: status.url, devices: pollers.length, stop };
}

function inventoryOf(devices: readonly DeviceInstance[], config: AgentConfig): Inventory {
  return {
    t: Date.now(),
    devices: devices.map((device) => {
      const profile = config.profiles.get(device.profile)!;
      return {
        id: device.id,
        profile: profile.profile,
        profileVersion: profile.version,
        protocol: profile.protocol,
        ...(device.labels ? { labels: device.labels } : {}),
      };
    }),
  };
}
