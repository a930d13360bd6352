import { afterEach, describe, expect, it } from 'vitest';
import { loadProfileLibrary } from '@afferent/device-profiles';
import {
  startModbusRtuSimulator, startModbusSimulator, startPtyPair, type ModbusServerBase, type PtyPair,
} from '@afferent/simulators';
import { scanModbus, type AddressRange } from './modbus-scan.js';
import { PROFILE } from './test-support/every-table.js';

const XY_MD02 = loadProfileLibrary().profiles.get('xy-md02')!;
const servers: ModbusServerBase[] = [];
const pairs: PtyPair[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(pairs.splice(0).map((p) => p.close()));
});

const RANGES: AddressRange[] = [
  { table: 'holding', from: 96, to: 111 },
  { table: 'holding', from: 250, to: 263 },
  { table: 'input', from: 0, to: 19 },
  { table: 'coil', from: 0, to: 7 },
];

/** What the two test profiles name within RANGES: what a scan should find readable. */
const EVERY_TABLE_READABLE: AddressRange[] = [
  { table: 'coil', from: 0, to: 2 },
  { table: 'holding', from: 100, to: 104 },
  { table: 'input', from: 0, to: 16 },
];
const XY_MD02_READABLE: AddressRange[] = [
  { table: 'holding', from: 0x101, to: 0x104 },
  { table: 'input', from: 1, to: 2 },
];

describe('Modbus scan', () => {
  it('finds the units behind a TCP gateway and the register blocks each one reads', async () => {
    const sim = await startModbusSimulator({ devices: [{ unitId: 1, profile: PROFILE }, { unitId: 3, profile: XY_MD02 }] });
    servers.push(sim);
    const progress: string[] = [];
    const result = await scanModbus({
      connection: { url: sim.url }, units: [1, 2, 3, 4], ranges: RANGES, timeoutMs: 500,
      onProgress: ({ unitId, done, total, found }) => progress.push(`${unitId} ${done}/${total} ${found}`),
    });
    expect(result).toEqual({
      url: sim.url,
      scanned: 4,
      garbled: [],
      units: [
        // The simulator answers 02 for an address its profile does not name: the probe at holding 96 gets an exception, and the unit is there.
        { unitId: 1, probe: { exception: 2 }, readable: EVERY_TABLE_READABLE, silent: [] },
        { unitId: 3, probe: { exception: 2 }, readable: XY_MD02_READABLE, silent: [] },
      ],
    });
    expect(progress).toEqual(['1 0/4 0', '2 1/4 1', '3 2/4 1', '4 3/4 2']);
  });

  it('finds the units on a serial bus: silent ids are absent, a garbled answer is reported', async () => {
    const pair = await startPtyPair();
    pairs.push(pair);
    const line = { baudRate: 38400, parity: 'odd' } as const;
    const sim = await startModbusRtuSimulator({
      path: pair.device, ...line,
      devices: [{ unitId: 2, profile: PROFILE }, { unitId: 4, profile: XY_MD02 }, { unitId: 5, profile: XY_MD02 }],
    });
    servers.push(sim);
    sim.unit(2).set('temperature', 1);
    sim.setFault({ kind: 'garbage' }, 4);
    const result = await scanModbus({ connection: { url: `rtu:${pair.client}`, ...line }, units: [1, 2, 3, 4, 5, 6], ranges: RANGES, timeoutMs: 200 });
    expect(result.units.map((u) => [u.unitId, u.readable])).toEqual([[2, EVERY_TABLE_READABLE], [5, XY_MD02_READABLE]]);
    expect(result.garbled).toEqual([4]);
    expect(result.scanned).toBe(6);
  });

  it('stops mapping a table the unit does not have (exception 01) and tells silent blocks apart', async () => {
    const sim = await startModbusSimulator({ devices: [{ unitId: 1, profile: XY_MD02 }] });
    servers.push(sim);
    // Every request now answers 01: the probe finds the unit, and no table is split address by address.
    sim.setFault({ kind: 'exception', code: 1 }, 1);
    const before = sim.unit(1).reads;
    const result = await scanModbus({ connection: { url: sim.url }, units: [1], ranges: RANGES, timeoutMs: 300 });
    expect(result.units).toEqual([{ unitId: 1, probe: { exception: 1 }, readable: [], silent: [] }]);
    expect(sim.unit(1).reads).toBe(before);

    sim.setFault({ kind: 'delay', ms: 1000 }, 1);
    const slow = await scanModbus({ connection: { url: sim.url }, units: [1], ranges: RANGES, timeoutMs: 200 });
    expect(slow.units).toEqual([]);
  });
});
