import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { followEvents, type AlarmEventData, type HubEvent } from '@afferent/cloud-hub';
import { loadProfileLibrary } from '@afferent/device-profiles';
import { startModbusSimulator, type ModbusSimulator } from '@afferent/simulators';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN, createGateway, startAgentProcess, startHubProcess, writeAgentConfig, type AgentProcess, type HubProcess,
} from './support/afferent-processes.js';
import { startTcpGate, type TcpGate } from '@afferent/testkit';
import { waitFor } from '@afferent/testkit';

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

async function stack() {
  const dir = mkdtempSync(join(tmpdir(), 'afferent-e2e-alarms-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  // The current swings every poll, so telemetry flows (and piles up while the hub is away); the voltage is the test's to set.
  const meter: ModbusSimulator = await startModbusSimulator({
    devices: [{ unitId: 1, profile: sdm120, signals: { current: { kind: 'sine', min: 1, max: 9, period: '4s' } } }],
  });
  cleanups.push(() => meter.close());
  meter.unit(1).set('voltage', 230);
  const gate: TcpGate = await startTcpGate();
  cleanups.push(() => gate.close());

  const hubData = join(dir, 'hub');
  let hub = await startHub(hubData);
  gate.open(hub.mqttPort);
  const password = await createGateway(hub, 'gw-e2e');
  const config = writeAgentConfig(dir, {
    gateway: 'gw-e2e', password, hubPort: gate.port,
    devices: [{
      id: 'meter-1', profile: 'eastron-sdm120', interval: '100ms', connection: { url: meter.url, unitId: 1 },
      // The profile waits 5 s before raising; the test need not.
      alarms: { overvoltage: { for: '0s' } },
    }],
  });
  let agent = await startAgent(config);
  await waitFor('telemetry from meter-1 at the hub', async () => (await hub.get<{ lastSeen: number | null }>('/api/v1/devices/meter-1')).lastSeen);

  return {
    meter, gate,
    get hub() { return hub; },
    get agent() { return agent; },
    async restartHub(): Promise<HubProcess> {
      hub = await startHub(hubData);
      return hub;
    },
    async restartAgent(signal: NodeJS.Signals): Promise<AgentProcess> {
      await agent.process.stop(signal);
      agent = await startAgent(config);
      return agent;
    },
    /** Records of meter-1's overvoltage at the hub. */
    overvoltage: async () => (await hub.get<{ alarms: Alarm[] }>('/api/v1/alarms?device=meter-1')).alarms,
    history: async (id: number) => (await hub.get<{ history: { event: string }[] }>(`/api/v1/alarms/${id}/history`)).history.map((e) => e.event),
  };
}

async function startHub(dataDir: string): Promise<HubProcess> {
  const hub = await startHubProcess(dataDir);
  cleanups.push(() => hub.process.stop());
  return hub;
}

async function startAgent(config: string): Promise<AgentProcess> {
  const agent = await startAgentProcess(config);
  cleanups.push(() => agent.process.stop());
  return agent;
}

/** The hub's events of these types, in arrival order. */
async function follow(hub: HubProcess, types: string): Promise<HubEvent[]> {
  const events: HubEvent[] = [];
  const follower = await followEvents(`${hub.apiUrl}/api/v1/events?types=${types}`, ADMIN_TOKEN, (event) => events.push(event));
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

  it('raises at the edge while the hub is down, and the alarm reaches the returning hub before the older telemetry backlog', async () => {
    const s = await stack();
    // New connections wait at the gate, then the hub dies: the agent keeps polling into its outbox.
    s.gate.hold();
    await s.hub.process.stop('SIGKILL');
    await waitFor('a telemetry backlog at the edge', async () => (await s.agent.health()).backlog.batches >= 5);
    s.meter.unit(1).set('voltage', 262);
    const active = await waitFor('the alarm active at the edge', async () => (await s.agent.health()).alarms['meter-1']?.overvoltage);
    await waitFor('telemetry after the raise in the backlog too', async () => (await s.agent.health()).backlog.batches >= 10);

    const hub = await s.restartHub();
    const events = await follow(hub, 'alarm,telemetry');
    s.gate.open(hub.mqttPort);
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
    expect((await agent.health()).alarms['meter-1']?.overvoltage).toBeDefined();
    // Alarms are sent ahead of telemetry: once readings sampled after the restart are stored, a second raise would have been too.
    await waitFor('readings sampled after the restart at the hub', async () =>
      ((await s.hub.get<{ lastSeen: number | null }>('/api/v1/devices/meter-1')).lastSeen ?? 0) > restartedAt + 1000);
    expect(await s.overvoltage()).toEqual([expect.objectContaining({ id: record!.id, state: 'active', raiseCount: 1 })]);
    expect(await s.history(record!.id)).toEqual(['raised']);

    s.meter.unit(1).set('voltage', 231);
    await waitFor('the clear after the restart', async () => (await s.overvoltage())[0]?.state === 'cleared');
    expect(await s.history(record!.id)).toEqual(['raised', 'cleared']);
  }, E2E_TIMEOUT);
});
