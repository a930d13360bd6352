import { afterEach, describe, expect, it } from 'vitest';
import ModbusSerial from 'modbus-serial';
import { ValidationError, formatProblem, loadProfileLibrary } from '@afferent/device-profiles';
import { startFleet, type Fleet } from './fleet.js';
import { checkScenarioProfiles, loadScenarioFile, parseScenario } from './scenario.js';

const ModbusRTU = ModbusSerial as unknown as typeof ModbusSerial.default;
const { profiles } = loadProfileLibrary();
let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
});

describe('fleet scenarios', () => {
  it('the demo scenario is valid against the shipped profiles', () => {
    const scenario = loadScenarioFile(new URL('../../scenarios/demo.yaml', import.meta.url).pathname);
    expect(checkScenarioProfiles(scenario, profiles)).toEqual([]);
  });

  it('starts N devices, sharing ports as asked, and describes them for the agent', async () => {
    fleet = await startFleet(parseScenario('devices: [{ profile: xy-md02, count: 5, unitsPerPort: 2, idPrefix: th }]', 'inline'), profiles);
    expect(fleet.devices.map((d) => `${d.id}@${d.unitId}`)).toEqual(['th-1@1', 'th-2@2', 'th-3@1', 'th-4@2', 'th-5@1']);
    expect(fleet.servers).toHaveLength(3);
    expect(fleet.agentDevices('2s')[1]).toEqual({ id: 'th-2', profile: 'xy-md02', connection: { url: fleet.devices[1]!.url, unitId: 2 }, interval: '2s' });
    const c = new ModbusRTU();
    await c.connectTCP('127.0.0.1', { port: fleet.servers[1]!.port });
    c.setID(2);
    fleet.devices[3]!.device.set('temperature', 31.4);
    expect((await c.readInputRegisters(1, 1)).data).toEqual([314]);
    c.close(() => {});
  });

  it('runs scheduled faults and clears them', async () => {
    const scenario = parseScenario('devices: [{ profile: xy-md02, faults: [{ fault: { kind: exception, code: 4 }, after: 10ms, for: 200ms }] }]', 'inline');
    fleet = await startFleet(scenario, profiles);
    const c = new ModbusRTU();
    await c.connectTCP('127.0.0.1', { port: fleet.servers[0]!.port });
    c.setID(1);
    c.setTimeout(500);
    const outcomes = new Set<string>();
    for (let i = 0; i < 200 && outcomes.size < 2; i++) {
      outcomes.add(await c.readInputRegisters(1, 1).then(() => (outcomes.has('exception') ? 'recovered' : 'ok'), (e: { modbusCode?: number }) => (e.modbusCode === 4 ? 'exception' : 'other')));
      if (outcomes.has('exception') && !outcomes.has('recovered')) outcomes.delete('ok');
      await new Promise((r) => setTimeout(r, 10));
    }
    expect([...outcomes]).toEqual(['exception', 'recovered']);
    c.close(() => {});
  });

  it('names the file, line and field of a bad scenario', () => {
    const text = 'devices:\n  - profile: xy-md02\n    count: 0\n    signals: { temperature: { kind: sinus } }\n';
    try {
      parseScenario(text, 'fleet.yaml');
      throw new Error('expected a ValidationError');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).problems.map(formatProblem)).toEqual([
        'fleet.yaml:3 devices[0].count: expected an integer 1–10000, got 0',
        'fleet.yaml:4 devices[0].signals.temperature.kind: expected one of constant, sine, random-walk, step, counter, reads, got "sinus"',
      ]);
    }
    expect(checkScenarioProfiles(parseScenario('devices: [{ profile: nope }]', 'x'), profiles).map(formatProblem)[0]).toMatch(/^devices\[0\].profile: unknown profile "nope"; known: /);
  });
});
