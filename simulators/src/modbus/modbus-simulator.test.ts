import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import ModbusSerial from 'modbus-serial';
import { loadProfileLibrary, type DeviceProfile } from '@afferent/device-profiles';
import { startModbusSimulator, type ModbusSimulator } from './modbus-simulator.js';

const ModbusRTU = ModbusSerial as unknown as typeof ModbusSerial.default;
type Client = InstanceType<typeof ModbusRTU>;
const run = promisify(execFile);
const library = loadProfileLibrary();
const profile = (name: string): DeviceProfile => library.profiles.get(name)!;

let simulator: ModbusSimulator | undefined;
let client: Client | undefined;

afterEach(async () => {
  client?.close(() => {});
  client = undefined;
  await simulator?.close();
  simulator = undefined;
});

async function connect(sim: ModbusSimulator, unitId: number, timeout = 1000): Promise<Client> {
  const c = new ModbusRTU();
  await c.connectTCP('127.0.0.1', { port: sim.port });
  c.setID(unitId);
  c.setTimeout(timeout);
  client = c;
  return c;
}

const exceptionOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: { modbusCode?: number; message: string }) => error.modbusCode ?? error.message);

describe('Modbus TCP simulator', () => {
  it('serves float32 input registers of the SDM120 from its signals', async () => {
    simulator = await startModbusSimulator({
      devices: [{ unitId: 1, profile: profile('eastron-sdm120'), signals: { voltage: { kind: 'constant', value: 230.1 }, frequency: { kind: 'constant', value: 50 } } }],
    });
    const c = await connect(simulator, 1);
    expect((await c.readInputRegisters(0x0000, 2)).data).toEqual([0x4366, 0x199a]);
    expect((await c.readInputRegisters(0x0046, 2)).data).toEqual([0x4248, 0x0000]);
    expect(simulator.unit(1).reads).toBe(2);
  });

  it('a reads signal numbers the reads it answers: every poll a new value, and the device\'s own count', async () => {
    simulator = await startModbusSimulator({ devices: [{ unitId: 1, profile: profile('eastron-sdm120'), signals: { voltage: { kind: 'reads', start: 200 } } }] });
    const c = await connect(simulator, 1);
    const voltage = async () => { const { buffer } = await c.readInputRegisters(0x0000, 2); return buffer.readFloatBE(0); };
    expect([await voltage(), await voltage(), await voltage()]).toEqual([201, 202, 203]);
    expect(simulator.unit(1).reads).toBe(3);
  });

  it('answers exception 02 for addresses the profile does not name, 0B for units it does not serve', async () => {
    simulator = await startModbusSimulator({ devices: [{ unitId: 1, profile: profile('eastron-sdm120') }] });
    const c = await connect(simulator, 1);
    expect(await exceptionOf(c.readInputRegisters(0x0000, 8))).toBe(2);
    expect(await exceptionOf(c.readHoldingRegisters(0x0000, 2))).toBe(2);
    c.setID(9);
    expect(await exceptionOf(c.readInputRegisters(0x0000, 2))).toBe(0x0b);
  });

  it('keeps writes to writable points and reads them back; refuses read-only and out-of-range writes', async () => {
    simulator = await startModbusSimulator({ devices: [{ unitId: 3, profile: profile('xy-md02') }, { unitId: 4, profile: profile('waveshare-modbus-rtu-io-8ch') }] });
    const c = await connect(simulator, 3);
    await c.writeRegister(0x0103, (-15) & 0xffff);
    expect(simulator.unit(3).get('temperature_correction')).toBe(-1.5);
    expect((await c.readHoldingRegisters(0x0103, 1)).data).toEqual([0xfff1]);
    expect(await exceptionOf(c.writeRegister(0x0103, 500))).toBe(3); // 50.0 °C > max 10
    expect(await exceptionOf(c.writeRegister(0x0001, 1))).toBe(2); // an input register is not writable
    expect(simulator.unit(3).writes).toBe(1);

    c.setID(4);
    await c.writeCoil(2, true);
    await c.writeCoils(4, [true, false, true]);
    expect((await c.readCoils(0, 8)).data.slice(0, 8)).toEqual([false, false, true, false, true, false, true, false]);
    expect(simulator.unit(4).get('do3')).toBe(true);
    expect(await exceptionOf(c.writeRegister(0x2000, 9))).toBe(3); // not one of the baud rate enum values
  });

  it('serves the same device to every unit id it was given and keeps them apart', async () => {
    simulator = await startModbusSimulator({
      devices: [1, 2, 3].map((unitId) => ({ unitId, profile: profile('xy-md02'), signals: { temperature: { kind: 'constant' as const, value: 20 + unitId } } })),
    });
    const c = await connect(simulator, 1);
    for (const unitId of [1, 2, 3]) {
      c.setID(unitId);
      expect((await c.readInputRegisters(0x0001, 1)).data).toEqual([(20 + unitId) * 10]);
    }
  });

  it('injects faults: exception, no answer, dropped connection, and recovers when cleared', async () => {
    simulator = await startModbusSimulator({ devices: [{ unitId: 1, profile: profile('xy-md02') }, { unitId: 2, profile: profile('xy-md02') }] });
    const c = await connect(simulator, 1, 300);
    simulator.setFault({ kind: 'exception', code: 6 }, 1);
    expect(await exceptionOf(c.readInputRegisters(1, 2))).toBe(6);
    c.setID(2);
    expect((await c.readInputRegisters(1, 2)).data).toHaveLength(2); // the other unit is unaffected

    simulator.setFault({ kind: 'no-answer' }, 2);
    expect(await exceptionOf(c.readInputRegisters(1, 2))).toMatch(/Timed out/);

    simulator.setFault(undefined, 1);
    simulator.setFault(undefined, 2);
    simulator.setFault({ kind: 'drop-connection' });
    expect(await exceptionOf(c.readInputRegisters(1, 2))).toMatch(/closed|Port Not Open|Timed out|ECONNRESET/i);
    simulator.setFault(undefined);
    const fresh = await connect(simulator, 1);
    expect((await fresh.readInputRegisters(1, 2)).data).toHaveLength(2);
  });

  it('interoperates with a third-party client (Debian mbpoll)', async () => {
    simulator = await startModbusSimulator({
      devices: [{ unitId: 1, profile: profile('xy-md02'), signals: { temperature: { kind: 'constant', value: -20.5 }, humidity: { kind: 'constant', value: 54.6 } } }],
    });
    const read = await run('mbpoll', ['-m', 'tcp', '-a', '1', '-t', '3', '-0', '-r', '1', '-c', '2', '-1', '-p', String(simulator.port), '127.0.0.1']);
    expect(read.stdout).toMatch(/\[1\]:\s+65331 \(-205\)/);
    expect(read.stdout).toMatch(/\[2\]:\s+546/);
    await run('mbpoll', ['-m', 'tcp', '-a', '1', '-t', '4', '-0', '-r', String(0x0104), '-1', '-p', String(simulator.port), '127.0.0.1', String(0x10000 - 25)]);
    expect(simulator.unit(1).get('humidity_correction')).toBe(-2.5);
  });
});
