import { describe, expect, it } from 'vitest';
import { loadProfileLibrary, type DeviceProfile, type ProfilePoint } from '@afferent/device-profiles';
import { planReads } from './read-planner.js';

function profile(points: ProfilePoint[], modbus: DeviceProfile['modbus'] = {}): DeviceProfile {
  return { profile: 'p', version: 1, protocol: 'modbus', modbus, points };
}
const reg = (name: string, address: number, type: ProfilePoint['type'] = 'uint16', extra: Partial<ProfilePoint> = {}): ProfilePoint =>
  ({ name, type, ...extra, modbus: { address, ...(extra.modbus ?? {}) } });

/** Blocks as `table address+count: points`, easy to read in a failure. */
function plan(p: DeviceProfile, points = p.points): string[] {
  return planReads(p, points).map((b) => `${b.table} ${b.address}+${b.count}: ${b.points.map((x) => x.point.name).join(',')}`);
}

describe('read planner', () => {
  it('merges adjacent points of one table into one read, in address order', () => {
    const p = profile([reg('c', 3, 'float32'), reg('a', 0), reg('b', 1, 'int32')]);
    expect(plan(p)).toEqual(['holding 0+5: a,b,c']);
  });

  it('keeps tables apart', () => {
    const p = profile([
      reg('h', 0), reg('i', 0, 'uint16', { modbus: { address: 0, table: 'input' } }),
      { name: 'c', type: 'bool', modbus: { table: 'coil', address: 0 } },
      { name: 'd', type: 'bool', modbus: { table: 'discrete', address: 0 } },
    ]);
    expect(plan(p).sort()).toEqual(['coil 0+1: c', 'discrete 0+1: d', 'holding 0+1: h', 'input 0+1: i']);
  });

  it('splits at maxRegistersPerRead and never splits a point', () => {
    const p = profile([reg('a', 0, 'float32'), reg('b', 2, 'float32'), reg('c', 4, 'float32')], { maxRegistersPerRead: 5 });
    expect(plan(p)).toEqual(['holding 0+4: a,b', 'holding 4+2: c']);
  });

  it('refuses to span addresses the profile does not name', () => {
    const p = profile([reg('a', 0), reg('b', 2), reg('c', 10)]);
    expect(plan(p)).toEqual(['holding 0+1: a', 'holding 2+1: b', 'holding 10+1: c']);
  });

  it('spans a gap up to maxGap', () => {
    const p = profile([reg('a', 0), reg('b', 2), reg('c', 10)], { maxGap: 1 });
    expect(plan(p)).toEqual(['holding 0+3: a,b', 'holding 10+1: c']);
    expect(plan(profile(p.points, { maxGap: 7 }))).toEqual(['holding 0+11: a,b,c']);
  });

  it('spans addresses named by readable points that are not being read', () => {
    const p = profile([reg('a', 0), reg('b', 1), reg('c', 2)]);
    expect(plan(p, [p.points[0]!, p.points[2]!])).toEqual(['holding 0+3: a,c']);
  });

  it('does not count a write-only point as named', () => {
    const p = profile([reg('a', 0), reg('w', 1, 'uint16', { access: 'w' }), reg('c', 2)]);
    expect(plan(p, [p.points[0]!, p.points[2]!])).toEqual(['holding 0+1: a', 'holding 2+1: c']);
  });

  it('lets bools in one register share its read, next to their neighbours', () => {
    const p = profile([
      { name: 'run', type: 'bool', modbus: { address: 4, bit: 0 } },
      { name: 'fault', type: 'bool', modbus: { address: 4, bit: 7 } },
      reg('speed', 5),
    ]);
    expect(plan(p)).toEqual(['holding 4+2: run,fault,speed']);
  });

  it('reads overlapping points once', () => {
    const p = profile([reg('whole', 0, 'uint32'), reg('high', 0), reg('low', 1)]);
    expect(plan(p)).toEqual(['holding 0+2: whole,high,low']);
  });

  it('plans bit tables in bits, up to maxBitsPerRead', () => {
    const coils = Array.from({ length: 10 }, (_, i): ProfilePoint => ({ name: `do${i}`, type: 'bool', modbus: { table: 'coil', address: i } }));
    expect(plan(profile(coils))).toEqual(['coil 0+10: do0,do1,do2,do3,do4,do5,do6,do7,do8,do9']);
    expect(plan(profile(coils, { maxBitsPerRead: 4 }))).toEqual(['coil 0+4: do0,do1,do2,do3', 'coil 4+4: do4,do5,do6,do7', 'coil 8+2: do8,do9']);
  });

  it('sizes strings by their length in registers', () => {
    const p = profile([reg('model', 0, 'string', { modbus: { address: 0, length: 8 } }), reg('serial', 8, 'uint32')], { maxRegistersPerRead: 10 });
    expect(plan(p)).toEqual(['holding 0+10: model,serial']);
    expect(plan(profile(p.points, { maxRegistersPerRead: 9 }))).toEqual(['holding 0+8: model', 'holding 8+2: serial']);
  });

  it('plans the shipped Eastron SDM120: holes between its registers are never read', () => {
    const sdm = loadProfileLibrary().profiles.get('eastron-sdm120')!;
    expect(plan(sdm).map((b) => b.split(':')[0])).toEqual([
      'input 0+2', 'input 6+2', 'input 12+2', 'input 18+2', 'input 24+2', 'input 30+2', 'input 70+10', 'input 342+4',
    ]);
  });
});
