import { join } from 'node:path';
import { followEvents, type AlarmEventData, type HubEvent } from '@afferent/cloud-hub';
import { loadProfileLibrary } from '@afferent/device-profiles';
import { startModbusSimulator, type ModbusSimulator } from '@afferent/simulators';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AFFERENT_CLI, createGateway, hubPorts, startAgentProcess, startHubProcess, workDir, type AgentProcess, type HubPorts, type HubProcess,
} from '../bench/src/stack/stack.js';
import { runNodeProgram, startTcpGate, waitFor, type TcpGate } from '@afferent/testkit';

/**
 * Alarms across real processes: a simulated meter (in this process), the
 * edge agent and the hub (compiled CLIs), the agent dialling the hub through
 * a TCP gate the test opens and holds.
 */

interface Alarm { id: number; state: string; raiseCount: number }
interface TelemetryEventData { t: number }

const sdm120 = loadProfileLibrary().profiles.get('eastron-sdm120')!;
const E2E_TIMEOUT = 120_000;

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface AgentHealth {
  backlog: { batches: number };
  alarms: Record<string, Record<string, { since: number }>>;
}

/** GET an API path as admin; the JSON answer. */
async function get<T>(hub: HubProcess, path: string): Promise<T> {
  const { status, body } = await hub.api<T>(path);
  if (status !== 200) throw new Error(`GET ${path}: ${status} ${JSON.stringify(body)}`);
  return body;
}

async function stack() {
  const work = workDir('afferent-e2e-alarms-');
  cleanups.push(() => work.cleanup());
  // The current swings every poll, so telemetry flows (and piles up while the hub is away); the voltage is the test's to set.
  const meter: ModbusSimulator = await startModbusSimulator({
    devices: [{ unitId: 1, profile: sdm120, signals: { current: { kind: 'sine', min: 1, max: 9, period: '4s' } } }],
  });
  cleanups.push(() => meter.close());
  meter.unit(1).set('voltage', 230);
  const gate: TcpGate = await startTcpGate();
  cleanups.push(() => gate.close());

  const hubData = join(work.dir, 'hub');
  const ports = await hubPorts();
  let hub = await startHub(hubData, ports);
  gate.open(ports.mqtt);
  const config = {
    gateway: { id: 'gw-e2e' },
    hub: { url: `mqtt://127.0.0.1:${gate.port}`, password: await createGateway(hub, 'gw-e2e') },
    dataDir: join(work.dir, 'agent'),
    status: { host: '127.0.0.1', port: 0 },
    logLevel: 'warn',
    uplink: { batchLinger: '20ms', ackTimeout: '2s' },
    devices: [{
      id: 'meter-1', profile: 'eastron-sdm120', interval: '100ms', connection: { url: meter.url, unitId: 1 },
      // The profile waits 5 s before raising; the test need not.
      alarms: { overvoltage: { for: '0s' } },
    }],
  };
  let agent = await startAgent(work.dir, config);
  await waitFor('telemetry from meter-1 at the hub', async () => (await get<{ lastSeen: number | null }>(hub, '/api/v1/devices/meter-1')).lastSeen);

  return {
    meter, gate, ports,
    get hub() { return hub; },
    get agent() { return agent; },
    async restartHub(): Promise<HubProcess> {
      hub = await startHub(hubData, ports, hub.token);
      return hub;
    },
    async restartAgent(signal: NodeJS.Signals): Promise<AgentProcess> {
      await agent.process.stop(signal);
      agent = await startAgent(work.dir, config);
      return agent;
    },
    health: () => agent.health<AgentHealth>(),
    /** Records of meter-1's overvoltage at the hub. */
    overvoltage: async () => (await get<{ alarms: Alarm[] }>(hub, '/api/v1/alarms?device=meter-1')).alarms,
    history: async (id: number) => (await get<{ history: { event: string }[] }>(hub, `/api/v1/alarms/${id}/history`)).history.map((e) => e.event),
  };
}

async function startHub(dataDir: string, ports: HubPorts, token?: string): Promise<HubProcess> {
  const hub = await startHubProcess(dataDir, ports, token !== undefined ? { token } : {});
  cleanups.push(() => hub.process.stop());
  return hub;
}

async function startAgent(dir: string, config: object): Promise<AgentProcess> {
  const agent = await startAgentProcess(dir, config);
  cleanups.push(() => agent.process.stop());
  return agent;
}

/** The hub's events of these types, in arrival order. */
async function follow(hub: HubProcess, types: string): Promise<HubEvent[]> {
  const events: HubEvent[] = [];
  const follower = await followEvents(`${hub.apiUrl}/api/v1/events?types=${types}`, hub.token, (event) => events.push(event));
  cleanups.push(() => follower.close());
  return events;
}

const alarmEvents = (events: HubEvent[]) => events.filter((e) => e.type === 'alarm').map((e) => e.data as AlarmEventData);

describe('alarms end to end', () => {
  it('a value crossing the threshold raises at the edge and shows at the hub\'s API and event stream; falling back clears it', async () => {
    const s = await stack();
    const events = await follow(s.hub, 'alarm');
    s.meter.unit(1).set('voltage', 261.5);
    const [raised] = await waitFor('the raise on the event stream', () => (alarmEvents(events).length > 0 ? alarmEvents(events) : undefined));
    expect(raised!.transition.event).toBe('raised');
    expect(raised!.record).toMatchObject({ state: 'active', acknowledged: false, raiseCount: 1, raisedValues: { voltage: 261.5 } });
    expect(events[0]).toMatchObject({ type: 'alarm', device: 'meter-1' });
    expect(await s.overvoltage()).toEqual([expect.objectContaining({ id: raised!.record.id, state: 'active' })]);

    s.meter.unit(1).set('voltage', 240);
    await waitFor('the clear on the event stream', () => alarmEvents(events).some((e) => e.transition.event === 'cleared'));
    expect((await s.overvoltage())[0]).toMatchObject({ state: 'cleared', raiseCount: 1 });
  }, E2E_TIMEOUT);

  it('an operator sees the active alarm and acknowledges it with the afferent CLI; a second ack is refused', async () => {
    const s = await stack();
    s.meter.unit(1).set('voltage', 259);
    const [record] = await waitFor('the alarm at the hub', async () => {
      const alarms = await s.overvoltage();
      return alarms.length === 1 ? alarms : undefined;
    });
    const env = { AFFERENT_URL: s.hub.apiUrl, AFFERENT_TOKEN: s.hub.token };

    const listed = await runNodeProgram(AFFERENT_CLI, ['alarms', '--state', 'active', '--device', 'meter-1'], env);
    expect(listed.code).toBe(0);
    const [header, row, ...rest] = listed.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ALARM\s+SEVERITY\s+STATE\s+DEVICE\s+NAME\s+LAST RAISED\s+MESSAGE$/);
    expect(row).toMatch(new RegExp(`^${record!.id}\\s+\\w+\\s+active, unacked\\s+meter-1\\s+overvoltage\\s`));
    expect(rest).toEqual([]);

    const acked = await runNodeProgram(AFFERENT_CLI, ['ack', String(record!.id), '--comment', 'crew on the way'], env);
    expect(acked).toMatchObject({ code: 0, stdout: `alarm ${record!.id} (overvoltage on meter-1) acknowledged by AFFERENT_ADMIN_TOKEN\n` });
    const again = await runNodeProgram(AFFERENT_CLI, ['ack', String(record!.id)], env);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already acknowledged/);

    const json = await runNodeProgram(AFFERENT_CLI, ['alarms', '--state', 'acknowledged', '--json'], env);
    expect(JSON.parse(json.stdout).alarms).toEqual([expect.objectContaining({ id: record!.id, state: 'active', acknowledged: true, ackedBy: 'AFFERENT_ADMIN_TOKEN' })]);
    const history = await get<{ history: { event: string; comment?: string }[] }>(s.hub, `/api/v1/alarms/${record!.id}/history`);
    expect(history.history.at(-1)).toMatchObject({ event: 'acked', comment: 'crew on the way' });
  }, E2E_TIMEOUT);

  it('raises at the edge while the hub is down, and the alarm reaches the returning hub before the older telemetry backlog', async () => {
    const s = await stack();
    // New connections wait at the gate, then the hub dies: the agent keeps polling into its outbox.
    s.gate.hold();
    await s.hub.process.stop('SIGKILL');
    await waitFor('a telemetry backlog at the edge', async () => (await s.health()).backlog.batches >= 5);
    s.meter.unit(1).set('voltage', 262);
    const active = await waitFor('the alarm active at the edge', async () => (await s.health()).alarms['meter-1']?.overvoltage);
    await waitFor('telemetry after the raise in the backlog too', async () => (await s.health()).backlog.batches >= 10);

    const hub = await s.restartHub();
    const events = await follow(hub, 'alarm,telemetry');
    s.gate.open(s.ports.mqtt);
    await waitFor('the backlog up to after the raise at the hub', () => events.some((e) => e.type === 'telemetry' && (e.data as TelemetryEventData).t > active.since), 60_000);

    const kinds = events.map((e) => e.type);
    const firstAlarm = kinds.indexOf('alarm');
    expect(firstAlarm).toBeGreaterThanOrEqual(0);
    expect(firstAlarm).toBeLessThan(kinds.indexOf('telemetry'));
    const raise = events[firstAlarm]!.data as AlarmEventData;
    expect(raise.transition).toMatchObject({ event: 'raised', t: active.since });
    // What it overtook: telemetry sampled before the raise, stored after it.
    const olderAfter = events.slice(firstAlarm + 1).filter((e) => e.type === 'telemetry' && (e.data as TelemetryEventData).t < active.since);
    expect(olderAfter.length).toBeGreaterThan(0);
    expect(await s.overvoltage()).toEqual([expect.objectContaining({ state: 'active', raiseCount: 1 })]);
  }, E2E_TIMEOUT);

  it('an agent restart keeps the active alarm and does not raise it again at the hub', async () => {
    const s = await stack();
    s.meter.unit(1).set('voltage', 258);
    const [record] = await waitFor('the alarm at the hub', async () => {
      const alarms = await s.overvoltage();
      return alarms.length === 1 ? alarms : undefined;
    });

    // Killed, not stopped: the active state must come from what the outbox committed.
    const restartedAt = Date.now();
    const agent = await s.restartAgent('SIGKILL');
    expect((await agent.health<AgentHealth>()).alarms['meter-1']?.overvoltage).toBeDefined();
    // Alarms are sent ahead of telemetry: once readings sampled after the restart are stored, a second raise would have been too.
    await waitFor('readings sampled after the restart at the hub', async () =>
      ((await get<{ lastSeen: number | null }>(s.hub, '/api/v1/devices/meter-1')).lastSeen ?? 0) > restartedAt + 1000);
    expect(await s.overvoltage()).toEqual([expect.objectContaining({ id: record!.id, state: 'active', raiseCount: 1 })]);
    expect(await s.history(record!.id)).toEqual(['raised']);

    s.meter.unit(1).set('voltage', 231);
    await waitFor('the clear after the restart', async () => (await s.overvoltage())[0]?.state === 'cleared');
    expect(await s.history(record!.id)).toEqual(['raised', 'cleared']);
  }, E2E_TIMEOUT);
});
