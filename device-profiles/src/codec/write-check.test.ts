import { describe, expect, it } from 'vitest';
import { parseProfile } from '../profile/profile-loader.js';
import { checkWrite } from './write-check.js';

const PROFILE = parseProfile(`profile: write-check
version: 1
protocol: modbus
points:
  - { name: temperature, type: int16, scale: 0.1, modbus: { table: input, address: 0 } }
  - { name: setpoint, type: int16, scale: 0.1, min: 5, max: 35, access: rw, modbus: { address: 10 } }
  - { name: label, type: string, access: rw, modbus: { address: 20, length: 2 } }
  - { name: relay, type: bool, access: w, modbus: { table: coil, address: 0 } }
`, 'write-check.yaml');

describe('checkWrite', () => {
  it('accepts a write every point of which is writable and fits', () => {
    expect(checkWrite(PROFILE, { setpoint: 21.5, label: 'abcd', relay: true })).toEqual([]);
  });

  it('names every point that is unknown, read-only, or whose value does not fit its type, range or registers', () => {
    expect(checkWrite(PROFILE, { nope: 1, temperature: 20, setpoint: 40, relay: 1, label: 'abcde' })).toEqual([
      { kind: 'unknown_point', message: 'point nope: profile write-check has no such point (writable: setpoint, label, relay)' },
      { kind: 'not_writable', message: 'point temperature: read-only (access r)' },
      { kind: 'invalid_value', message: 'point setpoint: 40 is above the maximum 35' },
      { kind: 'invalid_value', message: 'point relay: expected true or false, got 1' },
      { kind: 'invalid_value', message: 'point label: "abcde" does not fit in 2 registers' },
    ]);
  });
});
