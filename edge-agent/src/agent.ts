import { pino, type Logger } from 'pino';
import type { Reading } from '@afferent/device-profiles';
import { AGENT_VERSION } from './agent-version.js';
import { AlarmEngine } from './alarms/alarm-engine.js';
import { AgentCommands } from './commands/agent-commands.js';
import { CommandJournal } from './commands/command-journal.js';
import type { AgentConfig } from './config/agent-config.js';
import { DeviceObserver } from './device-observer.js';
import type { DeviceChanges } from './devices/device-changes.js';
import { DeviceSet } from './devices/device-set.js';
import { Batcher } from './outbox/batcher.js';
import { Outbox } from './outbox/outbox.js';
import { readCredentials } from './provision/credentials-store.js';
import { ConfigApplier } from './remote-config/config-applier.js';
import { ConfigChannel } from './remote-config/config-channel.js';
import { AgentMetrics } from './status/agent-metrics.js';
import { startStatusServer, type HealthReport, type StatusServer } from './status/status-server.js';
import { settleMqttPacketMemory } from './uplink/mqtt-packet-memory.js';
import { Uplink } from './uplink/uplink.js';

export interface RunningAgent {
  /** `http://host:port` of /healthz and /metrics (the real port when the config said 0). */
  statusUrl: string;
  /** Devices being polled. */
  readonly devices: number;
  /** The configuration file read again: its devices applied (unless a config pushed by the hub is in force). */
  reload(config: AgentConfig): Promise<DeviceChanges | undefined>;
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
 * commands and desired configs from the hub back down, with health and
 * metrics on the status server. Sampling never waits for the uplink: with the
 * hub down, readings go to the outbox all the same.
 */
export async function startAgent(config: AgentConfig, options: AgentOptions = {}): Promise<RunningAgent> {
  settleMqttPacketMemory();
  const log = options.log ?? pino({ level: config.logLevel, base: { gateway: config.gatewayId } }, pino.destination(2));
  const outbox = new Outbox(config.dataDir, config.outbox);
  let uplink: Uplink | undefined;
  const alarms = new AlarmEngine({
    targets: [],
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
  const devices = new DeviceSet({ dataDir: config.dataDir, observer, alarms, emit: (reading) => batcher.add(reading), log });
  const applier = new ConfigApplier({
    devices, dataDir: config.dataDir, baseDir: config.baseDir, log, devicesChanged: () => uplink?.devicesChanged(),
  });
  // Devices open before commands start: a command queued before a restart finds its device's session.
  await applier.start(config);

  const journal = new CommandJournal(config.dataDir, config.outbox.synchronous);
  const commands = new AgentCommands({
    gatewayId: config.gatewayId, journal, devices: devices.running, unavailable: devices.unavailable, log,
    finished: (device, status) => metrics.commands.inc({ device, status }),
  });
  const configChannel = new ConfigChannel({ gatewayId: config.gatewayId, applier, log });

  const backlog = () => outbox.stats();
  const { hub } = config;
  uplink = new Uplink({
    gatewayId: config.gatewayId,
    url: hub.url,
    username: hub.username,
    ...(hub.password === undefined ? {} : { password: hub.password }),
    ...(hub.ca === undefined ? {} : { ca: hub.ca }),
    ...(hub.credentialsFile === undefined ? {} : {
      credentials: () => {
        const stored = readCredentials(config.dataDir);
        return stored ? { username: stored.mqtt.username, password: stored.mqtt.password } : { username: hub.username };
      },
    }),
    outbox,
    inflight: config.uplink.inflight,
    ackTimeoutMs: config.uplink.ackTimeoutMs,
    ...(config.uplink.backfillRate > 0 ? { backfillRate: config.uplink.backfillRate } : {}),
    inventory: () => devices.inventory(),
    status: () => ({ version: AGENT_VERSION, backlog: backlog(), devices: observer.snapshot() }),
    log,
    counters: {
      sent: (n) => metrics.batchesSent.inc(n),
      acked: (n) => metrics.batchesAcked.inc(n),
      resent: (n) => metrics.batchesResent.inc(n),
      ignoredAck: (why) => log.warn({ why }, 'ignored an ack'),
    },
    users: [commands, configChannel],
  });

  const health = (): HealthReport => ({
    ok: true,
    gateway: config.gatewayId,
    version: AGENT_VERSION,
    config: applier.version,
    uplink: { connected: uplink!.connected, unacknowledged: uplink!.unacknowledged },
    backlog: backlog(),
    devices: observer.snapshot(),
    alarms: alarms.active(),
  });
  let status: StatusServer;
  try {
    status = await startStatusServer({ ...config.status, metrics, health, log });
  } catch (error) {
    await devices.close();
    outbox.close();
    journal.close();
    throw new Error(`cannot serve status on ${config.status.host}:${config.status.port}: ${(error as Error).message}`);
  }

  commands.start();
  uplink.start();
  alarms.start();
  const prune = setInterval(() => {
    const dropped = outbox.prune();
    if (dropped > 0) log.warn({ dropped }, 'outbox age limit: dropped the oldest telemetry');
  }, PRUNE_EVERY_MS);
  log.info({ devices: devices.polled, config: applier.version, status: status.url, hub: hub.url, outbox: outbox.path, epoch: outbox.epoch }, 'agent started');

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (async () => {
    clearInterval(prune);
    await configChannel.settled();
    await devices.stopPolling();
    await commands.stop();
    alarms.stop();
    batcher.close();
    await uplink!.stop();
    await devices.close();
    journal.close();
    outbox.close();
    await status.close();
    log.info('agent stopped');
  })());
  return {
    statusUrl: status.url,
    get devices() {
      return devices.polled;
    },
    reload: (next) => applier.applyLocal(next),
    stop,
  };
}
