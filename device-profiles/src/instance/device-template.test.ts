import { describe, expect, it } from 'vitest';
import { loadProfileLibrary } from '../profile/profile-loader.js';
import { formatProblem } from '../validation/problem.js';
import { checkDeviceList } from './device-list-check.js';
import { expandDeviceEntries } from './device-template.js';

const library = loadProfileLibrary();
const options = { profileOf: (name: string) => library.profiles.get(name) };
const problemsOf = (entries: unknown[]) => checkDeviceList(entries, options).problems.map(formatProblem);

const METERS = {
  for: { n: '1-3' },
  id: 'meter-{n}',
  profile: 'eastron-sdm120',
  connection: { url: 'tcp://10.0.0.5:502', unitId: '{n}' },
  labels: { bus: 'hall-a', position: 'pos {n}' },
  alarms: { overvoltage: { message: 'meter {n}: {voltage} V' } },
};

describe('device templates', () => {
  it('expand one entry into a device per value, numbers staying numbers', () => {
    const { devices, problems } = expandDeviceEntries([{ id: 'th-1', profile: 'xy-md02', connection: { url: 'tcp://h:502' } }, METERS]);
    expect(problems).toEqual([]);
    expect(devices.map((d) => [d.index, d.binding])).toEqual([[0, undefined], [1, 'n=1'], [1, 'n=2'], [1, 'n=3']]);
    expect(devices[2]!.device).toEqual({
      id: 'meter-2',
      profile: 'eastron-sdm120',
      connection: { url: 'tcp://10.0.0.5:502', unitId: 2 },
      labels: { bus: 'hall-a', position: 'pos 2' },
      // Placeholders of other variables (an alarm message's points) are left alone.
      alarms: { overvoltage: { message: 'meter 2: {voltage} V' } },
    });
  });

  it('take a list of names as well as a range', () => {
    const entry = { for: { line: ['a', 'b'] }, id: 'pump-{line}', profile: 'xy-md02', connection: { url: 'tcp://line-{line}:502' } };
    const { devices } = checkDeviceList([entry], options);
    expect(devices.map((d) => [d.device.id, d.device.connection.url])).toEqual([['pump-a', 'tcp://line-a:502'], ['pump-b', 'tcp://line-b:502']]);
  });

  it('say what is wrong with a bad template', () => {
    const base = { id: 'm-{n}', profile: 'xy-md02', connection: { url: 'tcp://h:502' } };
    expect(problemsOf([
      { ...base, for: { n: '40-1' } },
      { ...base, for: { n: '1-5000' } },
      { ...base, for: 'n=1-4' },
      { ...base, for: { n: '1-2', m: '1-2' } },
      { ...base, for: { 'n-1': '1-2' } },
      { ...base, for: { n: [] } },
      { ...base, for: { n: ['a', 'a'] } },
      { ...base, for: { n: 'one to four' } },
      { ...base, id: 'meter', for: { n: '1-2' } },
    ])).toEqual([
      'devices[0].for.n: the range 40-1 runs backwards: write 1-40',
      'devices[1].for.n: 5000 devices from one template; at most 1000',
      'devices[2].for: expected one variable and its values, such as { n: 1-40 } or { line: [a, b, c] }',
      'devices[3].for: expected one variable and its values, such as { n: 1-40 } or { line: [a, b, c] }',
      'devices[4].for.n-1: "n-1" cannot be a variable: use letters, digits and "_", starting with a letter',
      'devices[5].for.n: an empty list makes no devices',
      'devices[6].for.n: "a" is listed twice',
      'devices[7].for.n: expected a range such as 1-40 or a list such as [a, b, c], got "one to four"',
      'devices[8].id: a template\'s id must contain {n}, or every device it makes gets the same id',
    ]);
  });

  it('name the value that made a bad device, and duplicates across entries', () => {
    const entries = [
      { id: 'meter-2', profile: 'eastron-sdm120', connection: { url: 'tcp://h:502', unitId: 9 } },
      { ...METERS, for: { n: '1-3' }, connection: { url: 'tcp://10.0.0.5:502', unitId: '{n}00' } },
    ];
    expect(problemsOf(entries)).toEqual([
      'devices[1].connection.unitId: for n=1: expected an integer 0–255, got "100"',
      'devices[1].id: for n=2: duplicate device id "meter-2" (first at devices[0])',
      'devices[1].connection.unitId: for n=2: expected an integer 0–255, got "200"',
      'devices[1].connection.unitId: for n=3: expected an integer 0–255, got "300"',
    ]);
  });
});

describe('checkDeviceList', () => {
  it('checks each device against its profile and says which profiles exist', () => {
    const entries = [{ id: 'x', profile: 'nope', connection: {} }, { id: 'y', profile: 'xy-md02', connection: { url: 'opc.tcp://h:4840' } }, 'z'];
    const result = checkDeviceList(entries, { ...options, knownProfiles: () => ['xy-md02', 'eastron-sdm120'] });
    expect(result.problems.map(formatProblem)).toEqual([
      'devices[0].profile: unknown profile "nope"; known: eastron-sdm120, xy-md02',
      expect.stringMatching(/^devices\[1\]\.connection\.url: expected a Modbus address/),
      'devices[2]: expected a mapping, got "z"',
    ]);
    expect(result.devices.map((d) => d.device.id)).toEqual(['x', 'y']);
    expect(checkDeviceList({}, options).problems.map(formatProblem)).toEqual(['devices: expected a list of devices']);
  });
});
