import { loadProfileLibrary } from '@afferent/device-profiles';
import { describe, expect, it } from 'vitest';
import { DEFAULT_URL, parseOperatorArgs } from './cli-args.js';
import { UsageError } from './cli-command.js';
import { parsePointValues } from './point-values.js';

const env = { AFFERENT_TOKEN: 'from-env' };

describe('the afferent command line', () => {
  it('takes URL and token from flags before the environment, the environment before the default', () => {
    expect(parseOperatorArgs(['devices'], env)).toMatchObject({ url: DEFAULT_URL, token: 'from-env', json: false, args: [] });
    expect(parseOperatorArgs(['devices', '--json'], { ...env, AFFERENT_URL: 'http://hub:9000/' })).toMatchObject({ url: 'http://hub:9000', json: true });
    expect(parseOperatorArgs(['--url', 'https://hub.example', '--token', 'flag', 'write', 'th-1', 'a=1', '--no-readback'], env)).toMatchObject({
      url: 'https://hub.example', token: 'flag', args: ['th-1', 'a=1'], values: { 'no-readback': true },
    });
  });

  it('says what is wrong with a command line', () => {
    const refusal = (argv: string[], environment: NodeJS.ProcessEnv = env) => {
      try {
        parseOperatorArgs(argv, environment);
      } catch (error) {
        if (error instanceof UsageError) return error.message;
        throw error;
      }
      return 'accepted';
    };
    expect(refusal(['reboot'])).toBe('unknown command "reboot"; commands: devices, device, write, commands, alarms, ack, fleet, gateways, gateway, config, tokens, tenants, audit');
    expect(refusal(['config'])).toBe('config needs one of: get, push');
    expect(refusal(['gateways', 'create'])).toBe('accepted');
    expect(parseOperatorArgs(['gateways', 'create', 'gw-9', '--label', 'a=1', '--label', 'b=2', '--ca', 'ca.crt'], env)).toMatchObject({
      args: ['gw-9'], values: { label: ['a=1', 'b=2'] }, ca: 'ca.crt',
    });
    expect(parseOperatorArgs(['gateways', 'list'], { ...env, AFFERENT_CA: '/etc/ca.crt' })).toMatchObject({ args: [], ca: '/etc/ca.crt' });
    expect(parseOperatorArgs(['gateways'], env)).toMatchObject({ args: [] });
    expect(refusal(['devices'], {})).toBe('no API token: pass --token or set AFFERENT_TOKEN');
    expect(refusal(['write', 'th-1', 'a=1', '--expire', '5s'])).toMatch(/^Unknown option '--expire'.*\nusage: afferent write ID point=value/s);
    expect(refusal(['devices', '--url', 'hub:8080'])).toMatch(/^--url: expected the hub's API address/);
    expect(parseOperatorArgs(['--help'], {})).toEqual({ help: true });
    expect(parseOperatorArgs([], {})).toEqual({ help: true });
  });

  it('types point=value by the profile: bools, enum labels or numbers, numbers, strings', () => {
    const library = loadProfileLibrary().profiles;
    const io = library.get('waveshare-modbus-rtu-io-8ch')!;
    expect(parsePointValues(io, ['do1=on', 'do2=false', 'do1_mode=toggle', 'baud_rate=3', 'unit_address=7'])).toEqual({
      do1: true, do2: false, do1_mode: 'toggle', baud_rate: 3, unit_address: 7,
    });
    const th = library.get('xy-md02')!;
    expect(parsePointValues(th, ['temperature_correction=-1.5', 'baud_rate=9600'])).toEqual({ temperature_correction: -1.5, baud_rate: '9600' });
    expect(() => parsePointValues(io, ['do1=maybe'])).toThrow('point do1 takes true or false (or on/off, 1/0), got "maybe"');
    expect(() => parsePointValues(th, ['baud_rate=115200'])).toThrow('point baud_rate takes one of 9600, 14400, 19200, got "115200"');
    expect(() => parsePointValues(th, ['temperature_correction=warm'])).toThrow('point temperature_correction takes a number (int16), got "warm"');
    expect(() => parsePointValues(th, ['temperature_correction'])).toThrow('expected point=value, got "temperature_correction"');
    expect(() => parsePointValues(th, ['a=1', 'a=2'])).toThrow(/has no point "a"/);
  });
});
