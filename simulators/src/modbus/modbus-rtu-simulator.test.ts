import { afterEach, describe, expect, it } from 'vitest';
import ModbusSerial from 'modbus-serial';
import { loadProfileLibrary, type DeviceProfile } from '@afferent/device-profiles';
import { startPtyPair, type PtyPair } from '../serial/pty-pair.js';
import { startModbusRtuSimulator, type ModbusRtuSimulator } from './modbus-rtu-simulator.js';

const ModbusRTU = ModbusSerial as unknown as typeof ModbusSerial.default;
type Client = InstanceType<typeof ModbusRTU>;
const library = loadProfileLibrary();
const profile = (name: string): DeviceProfile => library.profiles.get(name)!;

let pair: PtyPair | undefined;
let simulator: ModbusRtuSimulator | undefined;
let client: Client | undefined;

afterEach(async () => {
  if (client?.isOpen) await new Promise((resolve) => client!.close(resolve));
  client = undefined;
  await simulator?.close();
  simulator = undefined;
  await pair?.close();
  pair = undefined;
});

async function serve(devices: Parameters<typeof startModbusRtuSimulator>[0]['devices'], timeout = 500): Promise<Client> {
  pair = await startPtyPair();
  simulator = await startModbusRtuSimulator({ path: pair.device, baudRate: 19200, parity: 'even', devices });
  const c = new ModbusRTU();
  c.on('error', () => {});
  await c.connectRTUBuffered(pair.client, { baudRate: 19200, parity: 'even' });
  c.setTimeout(timeout);
  client = c;
  return c;
}

const outcome = (promise: Promise<{ data: unknown }>) =>
  promise.then((r) => r.data, (error: { modbusCode?: number; message: string }) => error.modbusCode ?? error.message);

describe('Modbus RTU simulator over a pty pair', () => {
  it('serves registers and coils of several units on one line, and keeps writes', async () => {
    const c = await serve([
      { unitId: 1, profile: profile('xy-md02'), signals: { temperature: { kind: 'constant', value: -20.5 } } },
      { unitId: 2, profile: profile('waveshare-modbus-rtu-io-8ch') },
    ]);
    c.setID(1);
    expect(await outcome(c.readInputRegisters(1, 1))).toEqual([0x10000 - 205]);
    await c.writeRegister(0x0103, (-15) & 0xffff);
    expect(simulator!.unit(1).get('temperature_correction')).toBe(-1.5);
    c.setID(2);
    await c.writeCoils(4, [true, false, true]);
    expect(((await c.readCoils(0, 8)).data as boolean[]).slice(0, 8)).toEqual([false, false, false, false, true, false, true, false]);
    expect(await outcome(c.readHoldingRegisters(0x9999, 1))).toBe(2);
  });

  it('leaves a unit id nobody serves unanswered, as a real bus does', async () => {
    const c = await serve([{ unitId: 1, profile: profile('xy-md02') }], 300);
    c.setID(9);
    expect(await outcome(c.readInputRegisters(1, 1))).toMatch(/Timed out/);
    c.setID(1);
    expect(await outcome(c.readInputRegisters(1, 1))).toHaveLength(1);
  });

  it('injects faults per unit: exception, no answer, a garbled frame (CRC), and recovers when cleared', async () => {
    const c = await serve([{ unitId: 1, profile: profile('xy-md02') }, { unitId: 2, profile: profile('xy-md02') }], 300);
    simulator!.setFault({ kind: 'exception', code: 6 }, 1);
    c.setID(1);
    expect(await outcome(c.readInputRegisters(1, 2))).toBe(6);
    c.setID(2);
    expect(await outcome(c.readInputRegisters(1, 2))).toHaveLength(2);
    simulator!.setFault({ kind: 'no-answer' }, 2);
    expect(await outcome(c.readInputRegisters(1, 2))).toMatch(/Timed out/);
    simulator!.setFault({ kind: 'garbage' }, 2);
    expect(await outcome(c.readInputRegisters(1, 2))).toMatch(/CRC error/);
    simulator!.setFault(undefined, 1);
    simulator!.setFault(undefined, 2);
    for (const unit of [1, 2]) {
      c.setID(unit);
      expect(await outcome(c.readInputRegisters(1, 2))).toHaveLength(2);
    }
  });

  it('outlives its port vanishing, and serves again when started on the replugged line', async () => {
    const c = await serve([{ unitId: 1, profile: profile('xy-md02') }], 300);
    c.setID(1);
    expect(await outcome(c.readInputRegisters(1, 1))).toHaveLength(1);
    await pair!.unplug();
    await simulator!.close();
    await new Promise((resolve) => c.close(resolve));
    await pair!.plug();
    simulator = await startModbusRtuSimulator({ path: pair!.device, baudRate: 19200, parity: 'even', devices: [{ unitId: 1, profile: profile('xy-md02') }] });
    await c.connectRTUBuffered(pair!.client, { baudRate: 19200, parity: 'even' });
    expect(await outcome(c.readInputRegisters(1, 1))).toHaveLength(1);
  });

  it('refuses to start on a port that does not exist, naming it', async () => {
    await expect(startModbusRtuSimulator({ path: '/dev/afferent-no-such-port', devices: [] })).rejects.toThrow(/cannot open \/dev\/afferent-no-such-port/);
  });
});
