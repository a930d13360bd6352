import { describe, expect, it } from 'vitest';
import type { DeviceProfile } from '../profile/profile-schema.js';
import { formatProblem } from '../validation/problem.js';
import { compileAlarms, effectiveAlarms } from './alarm-definition.js';
import { DeviceAlarms } from './device-alarms.js';
import { parseCondition } from './expression-parser.js';

const profile: DeviceProfile = {
  profile: 'meter', version: 1, protocol: 'modbus',
  points: [
    { name: 'voltage', type: 'float32', modbus: { address: 0 } },
    { name: 'a', type: 'float32', modbus: { address: 2 } },
    { name: 'b', type: 'float32', modbus: { address: 4 } },
    { name: 'temperature', type: 'int16', scale: 0.1, modbus: { address: 6 } },
    { name: 'door', type: 'bool', modbus: { table: 'discrete', address: 0 } },
    { name: 'mode', type: 'uint16', enum: { '0': 'off', '1': 'auto' }, modbus: { address: 7 } },
  ],
};
const points = new Map(profile.points.map((p) => [p.name, p]));

function alarms(list: DeviceProfile['alarms'], start = 0) {
  const { definitions, problems } = compileAlarms(profile, list);
  expect(problems.map(formatProblem)).toEqual([]);
  return new DeviceAlarms(definitions, start);
}

describe('condition parser', () => {
  it('accepts the language of the profile format', () => {
    for (const text of ['voltage > 253', 'a - b > 5', 'abs(a) > 3', 'door == true', 'voltage > 253 and not door', 'door or (a > 1 && b < 2)',
      'rate(temperature, 1m) > 5', 'stale(voltage, 30s)', 'offline(3)', 'mode == "auto"', '-a < -1.5e2', 'max(a, b) / 2 >= 1']) {
      expect(() => parseCondition(text, points), text).not.toThrow();
    }
  });
  it('names the token and column of every mistake', () => {
    const error = (text: string) => {
      try {
        parseCondition(text, points);
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(error('voltag > 253')).toBe('unknown point "voltag"; known: voltage, a, b, temperature, door, mode (column 1)');
    expect(error('voltage > ')).toBe('the condition ends too early (column 11)');
    expect(error('voltage >> 1')).toBe('unexpected ">" (column 10)');
    expect(error('voltage')).toBe('a condition must be true or false, but this is a number (column 1)');
    expect(error('door > 1')).toBe('> needs a number, got a bool (column 1)');
    expect(error('mode == "eco"')).toBe('"eco" is not a value of mode (off, auto) (column 9)');
    expect(error('rate(door, 1m) > 1')).toBe('rate() needs a numeric point, door is bool (column 1)');
    expect(error('rate(voltage, 60) > 1')).toBe('rate() takes a duration second, such as 30s or 1m (column 15)');
    expect(error('voltage > 30s')).toBe('a duration (30s) is only allowed as the window of rate() or stale() (column 11)');
    expect(error('exec("rm -rf /")')).toBe('unknown function "exec"; known: abs, min, max, rate, stale, offline (column 1)');
    expect(error('voltage > 253; process.exit()')).toBe('unexpected character ";" (column 14)');
  });
  it('reports alarm problems with the alarm, field and text', () => {
    const { problems } = compileAlarms(profile, [{ name: 'ov', when: 'voltag > 1', severity: 'major', message: 'V={voltage} I={current}' }]);
    expect(problems.map(formatProblem)).toEqual([
      'alarms[0].when: alarm ov: unknown point "voltag"; known: voltage, a, b, temperature, door, mode (column 1) in "voltag > 1"',
      'alarms[0].message: alarm ov: the message names unknown point {current}',
    ]);
  });
});

describe('alarm evaluation', () => {
  it('raises and clears with hysteresis, carrying the values and a rendered message', () => {
    const device = alarms([{ name: 'ov', when: 'voltage > 253', clear: 'voltage < 248', severity: 'major', message: 'Voltage {voltage} V' }]);
    expect(device.sample(1000, { voltage: 250 })).toEqual([]);
    expect(device.sample(2000, { voltage: 254.3333 })).toEqual([
      { alarm: 'ov', state: 'raised', t: 2000, severity: 'major', message: 'Voltage 254.33 V', values: { voltage: 254.3333 } },
    ]);
    expect(device.sample(3000, { voltage: 250 })).toEqual([]); // inside the band: stays raised
    expect(device.sample(4000, { voltage: 255 })).toEqual([]); // no second raise
    expect(device.sample(5000, { voltage: 247 })).toMatchObject([{ alarm: 'ov', state: 'cleared', t: 5000, values: { voltage: 247 } }]);
  });

  it('waits out `for` and `clearFor`, and a blip resets the wait', () => {
    const device = alarms([{ name: 'ov', when: 'voltage > 253', for: '5s', clearFor: '2s', severity: 'minor' }]);
    device.sample(0, { voltage: 260 });
    expect(device.sample(3000, { voltage: 252 })).toEqual([]); // false resets the wait
    device.sample(4000, { voltage: 260 });
    expect(device.tick(8999)).toEqual([]);
    expect(device.tick(9000)).toMatchObject([{ state: 'raised', t: 9000 }]);
    device.sample(10_000, { voltage: 240 });
    expect(device.tick(11_999)).toEqual([]);
    expect(device.tick(12_000)).toMatchObject([{ state: 'cleared', t: 12_000 }]);
  });

  it('rate over a window, stale data and device offline', () => {
    const device = alarms([
      { name: 'heating_fast', when: 'rate(temperature, 1m) > 5', severity: 'warning' },
      { name: 'no_voltage', when: 'stale(voltage, 30s)', severity: 'minor' },
      { name: 'offline', when: 'offline(3)', severity: 'critical' },
    ]);
    device.sample(0, { temperature: 20, voltage: 230 });
    device.sample(30_000, { temperature: 22, voltage: 230 });
    // +4.9 in the last minute: not fast enough; voltage last read 30 s ago: stale.
    expect(device.sample(60_000, { temperature: 24.9 }).map((e) => e.alarm)).toEqual(['no_voltage']);
    expect(device.sample(90_000, { temperature: 28 }).map((e) => e.alarm)).toEqual(['heating_fast']); // +6 since 30 s
    expect(device.failure(91_000)).toEqual([]);
    expect(device.failure(92_000)).toEqual([]);
    expect(device.failure(93_000)).toMatchObject([{ alarm: 'offline', state: 'raised' }]);
    expect(device.sample(94_000, { temperature: 28, voltage: 230 }).map((e) => `${e.alarm}:${e.state}`).sort()).toEqual([
      'no_voltage:cleared', 'offline:cleared',
    ]);
    // Still +6 against the sample at 30 s; a minute of steady readings later the rate is 0.
    expect(device.sample(160_000, { temperature: 28, voltage: 230 })).toMatchObject([{ alarm: 'heating_fast', state: 'cleared' }]);
  });

  it('unknown values neither raise nor clear', () => {
    const device = alarms([{ name: 'diff', when: 'a - b > 5', severity: 'info' }]);
    expect(device.sample(0, { a: 100 })).toEqual([]); // b never read
    expect(device.sample(1, { b: 1 })).toMatchObject([{ state: 'raised', values: { a: 100, b: 1 } }]);
  });

  it('restores active alarms without raising them again', () => {
    const list: DeviceProfile['alarms'] = [{ name: 'ov', when: 'voltage > 253', severity: 'major' }];
    const before = alarms(list);
    before.sample(1000, { voltage: 260 });
    const { definitions } = compileAlarms(profile, list);
    const after = new DeviceAlarms(definitions, 5000, before.active());
    expect(after.sample(6000, { voltage: 261 })).toEqual([]);
    expect(after.sample(7000, { voltage: 200 })).toMatchObject([{ alarm: 'ov', state: 'cleared' }]);
  });
});

describe('per-device overrides', () => {
  const withAlarms: DeviceProfile = { ...profile, alarms: [{ name: 'ov', when: 'voltage > 253', severity: 'major' }, { name: 'door_open', when: 'door', severity: 'info' }] };
  it('changes thresholds, disables and adds alarms', () => {
    const { alarms: effective, problems } = effectiveAlarms(withAlarms, {
      ov: { when: 'voltage > 250' },
      door_open: { enabled: false },
      hot: { when: 'temperature > 40', severity: 'warning' },
      typo: { when: 'a > 1' },
    });
    expect(effective.map((a) => `${a.name}: ${a.when}`)).toEqual(['ov: voltage > 250', 'hot: temperature > 40']);
    expect(problems.map(formatProblem)).toEqual(['alarms.typo: "typo" is not an alarm of profile meter; a new alarm needs when and severity']);
  });
});
