import { describe, expect, it } from 'vitest';
import { parseProfile, type ModbusRaw } from '@afferent/device-profiles';
import { DriverError, type RawReadResult } from '../drivers/driver.js';
import { Normaliser } from './normaliser.js';

const profile = parseProfile(`profile: norm-test
version: 1
protocol: modbus
points:
  - { name: temperature, type: int16, scale: 0.1, min: -40, max: 125, deadband: 0.5, modbus: { address: 0 } }
  - { name: power, type: float32, modbus: { address: 1 } }
  - { name: mode, type: uint16, enum: { 0: "off", 1: auto }, modbus: { address: 3 } }
  - { name: alarm, type: bool, modbus: { table: coil, address: 0 } }
  - { name: label, type: string, modbus: { address: 4, length: 2 } }
`, 'norm-test.yaml');
const target = { profile, instance: { id: 'dev-1', profile: 'norm-test', connection: {} } };
const HEARTBEAT = 60_000;

/** Raw data as the Modbus driver returns it. */
function sample(values: Partial<Record<'temperature' | 'power' | 'mode' | 'alarm' | 'label', ModbusRaw | DriverError>>): RawReadResult {
  return new Map(Object.entries(values).map(([name, raw]) => [name, raw instanceof DriverError ? { error: raw } : { raw }]));
}
const words = (...w: number[]) => ({ words: w });
const FLOAT_230_1 = words(0x4366, 0x199a);

describe('normaliser', () => {
  it('decodes every point with the profile codecs into one reading at the sample time', () => {
    const n = new Normaliser(target, HEARTBEAT);
    expect(n.normalise(1000, sample({ temperature: words(215), power: FLOAT_230_1, mode: words(1), alarm: { bit: true }, label: words(0x4142, 0x4300) }))).toEqual({
      readings: [{ d: 'dev-1', t: 1000, v: { temperature: 21.5, power: 230.1, mode: 'auto', alarm: true, label: 'ABC' } }],
      values: { temperature: 21.5, power: 230.1, mode: 'auto', alarm: true, label: 'ABC' },
      decodeErrors: [],
    });
  });

  it('hands alarms every decoded value, even those the deadband does not report', () => {
    const n = new Normaliser(target, HEARTBEAT);
    n.normalise(1000, sample({ temperature: words(215) }));
    const second = n.normalise(2000, sample({ temperature: words(215) }));
    expect(second.readings).toEqual([]);
    expect(second.values).toEqual({ temperature: 21.5 });
  });

  it('skips and reports a point that does not decode; the others still report', () => {
    const n = new Normaliser(target, HEARTBEAT);
    const result = n.normalise(1000, sample({ temperature: words(215), mode: words(7), power: words(0x7fc0, 0) }));
    expect(result.readings).toEqual([{ d: 'dev-1', t: 1000, v: { temperature: 21.5 } }]);
    expect(result.decodeErrors).toEqual([
      { point: 'mode', message: 'point mode: 7 is not one of its enum values (0, 1)' },
      { point: 'power', message: 'point power: NaN is not a reading' },
    ]);
  });

  it('ignores points the driver could not read (the poller counts those)', () => {
    const n = new Normaliser(target, HEARTBEAT);
    const result = n.normalise(1000, sample({ temperature: new DriverError('device', 'exception 2', 2), mode: words(0) }));
    expect(result.readings).toEqual([{ d: 'dev-1', t: 1000, v: { mode: 'off' } }]);
  });

  it('flags values outside min/max as uncertain, in a reading of their own', () => {
    const n = new Normaliser(target, HEARTBEAT);
    expect(n.normalise(1000, sample({ temperature: words(1300), mode: words(1) })).readings).toEqual([
      { d: 'dev-1', t: 1000, v: { mode: 'auto' } },
      { d: 'dev-1', t: 1000, v: { temperature: 130 }, q: 'uncertain' },
    ]);
  });

  it('reports a number only when it moves by its deadband, other types on any change', () => {
    const n = new Normaliser(target, HEARTBEAT);
    const at = (t: number, values: Parameters<typeof sample>[0]) => n.normalise(t, sample(values)).readings.map((r) => r.v);
    expect(at(0, { temperature: words(200), power: FLOAT_230_1, mode: words(0), alarm: { bit: false }, label: words(0x4142, 0) })).toHaveLength(1);
    expect(at(1000, { temperature: words(204), power: FLOAT_230_1, mode: words(0), alarm: { bit: false }, label: words(0x4142, 0) })).toEqual([]);
    // 20.0 → 20.5 is the deadband: reported; 20.5 → 20.9 is not; no deadband on power: any change.
    expect(at(2000, { temperature: words(205), power: words(0x4366, 0x3333) })).toEqual([{ temperature: 20.5, power: 230.2 }]);
    expect(at(3000, { temperature: words(209) })).toEqual([]);
    expect(at(4000, { mode: words(1), alarm: { bit: true }, label: words(0x4142, 0x4300) })).toEqual([{ mode: 'auto', alarm: true, label: 'ABC' }]);
  });

  it('reports every point at the heartbeat even when nothing changed', () => {
    const n = new Normaliser(target, 10_000);
    const all = { temperature: words(200), mode: words(0) };
    expect(n.normalise(0, sample(all)).readings).toHaveLength(1);
    expect(n.normalise(5000, sample(all)).readings).toEqual([]);
    expect(n.normalise(10_000, sample(all)).readings).toEqual([{ d: 'dev-1', t: 10_000, v: { temperature: 20, mode: 'off' } }]);
    expect(n.normalise(15_000, sample(all)).readings).toEqual([]);
  });
});
