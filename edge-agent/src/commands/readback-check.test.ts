import { describe, expect, it } from 'vitest';
import type { ProfilePoint } from '@afferent/device-profiles';
import { expectedReadback, readbackMatches } from './readback-check.js';

const point = (extra: Partial<ProfilePoint>): ProfilePoint => ({ name: 'p', type: 'int16', access: 'rw', ...extra });

describe('read-back comparison', () => {
  it('takes a scaled integer within half a step, and not one step off', () => {
    const setpoint = point({ scale: 0.1 });
    expect(readbackMatches(setpoint, 21.5, 21.5)).toBe(true);
    expect(readbackMatches(setpoint, 21.5, 21.6)).toBe(false);
    expect(readbackMatches(point({}), 3, 4)).toBe(false);
  });
  it('takes floats within a relative 1e-6 (float32 keeps about 7 digits)', () => {
    const level = point({ type: 'float32' });
    expect(readbackMatches(level, 123456.78, 123456.8)).toBe(true);
    expect(readbackMatches(level, 0.1, 0.1000002)).toBe(false);
  });
  it('expects an enum written as a number to read back as its label; bools and strings must be equal', () => {
    const mode = point({ type: 'uint16', enum: { '0': 'off', '1': 'auto' } });
    expect(expectedReadback(mode, 1)).toBe('auto');
    expect(readbackMatches(mode, 'auto', 'auto')).toBe(true);
    expect(readbackMatches(point({ type: 'bool' }), true, false)).toBe(false);
    expect(expectedReadback(point({ scale: 0.1 }), 21.5)).toBe(21.5);
  });
});
