import { describe, expect, it } from 'vitest';
import type { ProfilePoint } from '../profile/profile-schema.js';
import { checkPointValue, rawToValue, valueToRaw } from './value-transform.js';

const point = (extra: Partial<ProfilePoint>): ProfilePoint => ({ name: 'p', type: 'int16', ...extra });

describe('scale, offset and enum', () => {
  it('applies scale without binary floating-point noise', () => {
    expect(rawToValue(point({ scale: 0.1 }), 215)).toBe(21.5);
    expect(rawToValue(point({ scale: 0.01, offset: -40 }), 6543)).toBe(25.43);
    expect(rawToValue(point({ scale: 0.1 }), -7)).toBe(-0.7);
  });
  it('inverts scale and offset for writes', () => {
    expect(valueToRaw(point({ scale: 0.1 }), 21.5)).toBe(215);
    expect(valueToRaw(point({ scale: 0.01, offset: -40 }), 25.43)).toBe(6543);
  });
  it('maps enum values both ways', () => {
    const mode = point({ type: 'uint16', enum: { '0': 'off', '1': 'auto', '2': 'manual' } });
    expect(rawToValue(mode, 2)).toBe('manual');
    expect(valueToRaw(mode, 'auto')).toBe(1);
    expect(valueToRaw(mode, 2)).toBe(2);
    expect(() => rawToValue(mode, 7)).toThrow(/7 is not one of its enum values \(0, 1, 2\)/);
    expect(checkPointValue(mode, 'eco')).toMatch(/expected one of off, auto, manual, got "eco"/);
  });
  it('refuses writes outside min/max, between steps, or of the wrong type', () => {
    const setpoint = point({ name: 'setpoint', scale: 0.1, min: 5, max: 35 });
    expect(checkPointValue(setpoint, 21.5)).toBeUndefined();
    expect(checkPointValue(setpoint, 40)).toBe('point setpoint: 40 is above the maximum 35');
    expect(checkPointValue(setpoint, 4)).toBe('point setpoint: 4 is below the minimum 5');
    expect(checkPointValue(setpoint, 21.55)).toMatch(/not a multiple of the point's resolution 0.1/);
    expect(checkPointValue(setpoint, '21')).toMatch(/expected a number, got "21"/);
    expect(checkPointValue(point({ type: 'bool' }), 1)).toMatch(/expected true or false/);
    expect(checkPointValue(point({ type: 'int16' }), 40000)).toMatch(/does not fit in int16/);
  });
  it('passes floats through unrounded', () => {
    expect(valueToRaw(point({ type: 'float32' }), 21.55)).toBe(21.55);
    expect(rawToValue(point({ type: 'float32', scale: 1000 }), 0.2301)).toBeCloseTo(230.1, 10);
  });
});

describe('lenient encoding for simulators', () => {
  it('rounds to the nearest step and clamps to the type instead of refusing', () => {
    const temp = point({ scale: 0.1, min: -40, max: 125 });
    expect(valueToRaw(temp, 21.537, { strict: false })).toBe(215);
    expect(valueToRaw(temp, 200, { strict: false })).toBe(2000);
    expect(valueToRaw(point({}), 1e9, { strict: false })).toBe(32767);
  });
});
