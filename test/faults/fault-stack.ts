import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProfileFile, type DeviceProfile } from '@afferent/device-profiles';
import { startModbusSimulator, type ModbusSimulator, type SimulatedDevice } from '@afferent/simulators';
import { startTcpGate, waitFor, type TcpGate } from '@afferent/testkit';
import {
  createGateway, hubPorts, reloadAgentProcess, startAgentProcess, startHubProcess, workDir, type AgentProcess, type HubPorts, type HubProcess,
} from '../../bench/src/stack/stack.js';
import { counterPoints, FAULT_PROFILE, faultProfileYaml } from './fault-profile.js';
import { ingestedReadings, tallyDevice, type DeviceTally } from './hub-tally.js';

export const GATEWAY = 'gw-faults';

export interface FaultStackOptions {
  devices: number;
  /** Devices behind one simulated port (one agent connection each). Default 10. */
  unitsPerPort?: number;
  /** Counter points per device (each poll reports all of them). Default 4. */
  points?: number;
  /** Poll interval of every device. Default 50ms. */
  interval?: string;
  /** Merged into the agent's configuration (outbox, uplink, …). */
  agent?: Record<string, unknown>;
  /** How many of the devices (the first ones) the agent starts with; the others wait for a reload. Default all. */
  agentDevices?: number;
}

/** The agent's /healthz, the parts the fault tests read. */
export interface AgentHealth {
  uplink: { connected: boolean; unacknowledged: number };
  backlog: { batches: number; readings: number; bytes: number; oldest?: number; dropped: number };
  devices: Record<string, { reachable: boolean; readErrors: number; lastRead?: number }>;
  alarms: Record<string, Record<string, { since: number }>>;
}

/** One simulated port and the devices behind it; `base` carries each unit's read ordinals across power cycles. */
interface Port { sim: ModbusSimulator; port: number; ids: string[]; base: number[] }

/**
 * The fault tests' stack: simulated Modbus devices (in this process, so the
 * test can read and hold their values), the hub and the agent as compiled
 * CLIs, and a TCP gate between agent and hub that the test holds to cut the
 * uplink. Every device serves the simulator's read ordinal, so the hub's
 * stored `count` values say exactly which readings arrived.
 */
export async function startFaultStack(options: FaultStackOptions) {
  const { devices: deviceCount, unitsPerPort = 10, points = 4, interval = '50ms' } = options;
  const work = workDir('afferent-faults-');
  const closers: (() => Promise<unknown> | void)[] = [work.cleanup];
  const since = Date.now() - 60_000;
  const profileDir = join(work.dir, 'profiles');
  mkdirSync(profileDir);
  writeFileSync(join(profileDir, `${FAULT_PROFILE}.yaml`), faultProfileYaml(points));
  const profile = loadProfileFile(join(profileDir, `${FAULT_PROFILE}.yaml`));
  const counters = counterPoints(points);

  const ports: Port[] = [];
  for (let first = 1; first <= deviceCount; first += unitsPerPort) {
    const ids = Array.from({ length: Math.min(unitsPerPort, deviceCount - first + 1) }, (_, i) => `m-${first + i}`);
    const sim = await startPortSimulator(profile, counters, ids.map(() => 0));
    ports.push({ sim, port: sim.port, ids, base: ids.map(() => 0) });
  }
  closers.push(() => Promise.all(ports.map((p) => p.sim.close())));
  const locate = (id: string) => {
    const port = ports.find((p) => p.ids.includes(id));
    if (!port) throw new Error(`no device ${id}`);
    const index = port.ids.indexOf(id);
    return { port, index, unit: port.sim.unit(index + 1) };
  };

  const gate: TcpGate = await startTcpGate();
  closers.push(() => gate.close());
  const hubData = join(work.dir, 'hub');
  const hubAt: HubPorts = await hubPorts();
  const hubConfig = { config: { profileDirs: [profileDir] } };
  let hub = await startHubProcess(hubData, hubAt, hubConfig);
  const stopHub = () => hub.process.stop();
  closers.push(() => stopHub());
  gate.open(hubAt.mqtt);
  /** Readings stored by hub processes before the current one took traffic (the current one counts its own). */
  let storedBefore = 0;

  const deviceEntries = ports.flatMap((p) => p.ids.map((id, i) => ({
    id, profile: FAULT_PROFILE, interval, heartbeat: '1h', connection: { url: p.sim.url, unitId: i + 1 },
  })));
  const agentConfig = {
    gateway: { id: GATEWAY },
    hub: { url: `mqtt://127.0.0.1:${gate.port}`, password: await createGateway(hub, GATEWAY) },
    dataDir: join(work.dir, 'agent'),
    profileDirs: [profileDir],
    status: { host: '127.0.0.1', port: 0 },
    logLevel: 'warn',
    devices: deviceEntries.slice(0, options.agentDevices ?? deviceEntries.length),
    ...options.agent,
  };
  let agent: AgentProcess = await startAgentProcess(work.dir, agentConfig);
  closers.push(() => agent.process.stop());
  const ids = ports.flatMap((p) => p.ids);

  const stack = {
    ids,
    since,
    gate,
    get hub(): HubProcess { return hub; },
    get agent(): AgentProcess { return agent; },
    health: () => agent.health<AgentHealth>(),
    /** The simulated device behind `id`. */
    unit: (id: string): SimulatedDevice => locate(id).unit,
    /** The read ordinal `id` served last: its readings so far. */
    served(id: string): number {
      const { port, index, unit } = locate(id);
      return port.base[index]! + unit.reads;
    },

    cutUplink: () => gate.hold(),
    restoreUplink: () => gate.open(hubAt.mqtt),

    /** SIGKILL the hub, then hold the agent's reconnects at the gate until `restartHub`. */
    async killHub(): Promise<void> {
      await hub.process.stop('SIGKILL');
      gate.hold();
    },
    /** The hub again on the same ports and data; what it holds is counted before the agent is let through. */
    async restartHub(): Promise<void> {
      hub = await startHubProcess(hubData, hubAt, { ...hubConfig, token: hub.token });
      storedBefore = (await stack.tally()).reduce((sum, t) => sum + t.readings, 0);
      gate.open(hubAt.mqtt);
    },

    async killAgent(): Promise<void> {
      await agent.process.stop('SIGKILL');
    },
    async restartAgent(): Promise<void> {
      agent = await startAgentProcess(work.dir, agentConfig);
    },
    /** Have the running agent apply its configuration with exactly these devices (SIGHUP). */
    reloadAgent(devices: readonly string[]): void {
      reloadAgentProcess(agent, { ...agentConfig, devices: deviceEntries.filter((d) => devices.includes(d.id)) });
    },

    /** Power the devices of port `n` off: connections drop, nothing answers. Returns their ids. */
    async powerOff(n: number): Promise<string[]> {
      const port = ports[n]!;
      port.base = port.ids.map((id) => stack.served(id));
      await port.sim.close();
      return port.ids;
    },
    /** …and on again at the same port, counting on from where each device stopped. */
    async powerOn(n: number): Promise<void> {
      const port = ports[n]!;
      port.sim = await startPortSimulator(profile, counters, port.base, port.port);
    },

    /**
     * Hold every counter at the value its last read returned: the devices
     * keep answering, nothing changes, so the agent reports nothing more.
     * Returns the readings each device produced.
     */
    freeze(): Record<string, number> {
      const produced: Record<string, number> = {};
      for (const id of ids) {
        produced[id] = stack.served(id);
        for (const point of counters) stack.unit(id).set(point, produced[id]!);
      }
      return produced;
    },

    /** Wait until the agent produces nothing new and every batch it stored is acknowledged. */
    async drain(timeoutMs = 60_000): Promise<AgentHealth> {
      let last = -1;
      return waitFor('the agent to stop producing and its outbox to drain', async () => {
        const produced = await agent.metric('afferent_agent_readings_total');
        const health = await stack.health();
        const settled = produced === last && health.backlog.batches === 0 && health.uplink.unacknowledged === 0;
        last = produced;
        return settled ? health : undefined;
      }, timeoutMs, 500);
    },

    /** What the hub stored, device by device. */
    tally: (): Promise<DeviceTally[]> => Promise.all(ids.map((id) => tallyDevice(hub, id, since))),

    /** Readings stored more than once: what the hub processes ingested beyond what they hold. */
    async duplicates(stored: number): Promise<number> {
      return storedBefore + (await ingestedReadings(hub)) - stored;
    },

    /** The last lines the agent and the hub logged (for a failing test's message). */
    logs: () => `agent:\n${agent.process.output().slice(-3000)}\nhub:\n${hub.process.output().slice(-3000)}`,

    async close(): Promise<void> {
      for (const close of closers.reverse()) await close();
    },
  };
  return stack;
}

export type FaultStack = Awaited<ReturnType<typeof startFaultStack>>;

/** One simulated port: unit i+1 serves the read ordinals from `starts[i]` on. */
function startPortSimulator(profile: DeviceProfile, counters: string[], starts: number[], port = 0): Promise<ModbusSimulator> {
  return startModbusSimulator({
    port,
    devices: starts.map((start, i) => ({
      unitId: i + 1,
      profile,
      signals: Object.fromEntries(counters.map((point) => [point, { kind: 'reads' as const, start }])),
    })),
  });
}
