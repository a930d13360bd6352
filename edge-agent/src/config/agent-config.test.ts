import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError, formatProblem, loadProfileLibrary } from '@afferent/device-profiles';
import { tempDirs } from '../test-support/temp-dir.js';
import { writeCredentials } from '../provision/credentials-store.js';
import { loadAgentConfig, parseAgentConfig } from './agent-config.js';

const dirs = tempDirs();
const BUILTIN_NAMES = [...loadProfileLibrary().profiles.keys()].sort().join(', ');
afterEach(() => dirs.cleanup());

const VALID = `gateway: { id: gw-1 }
hub:
  url: mqtt://127.0.0.1:1883
  passwordFile: secret.txt
devices:
  - id: meter-1
    profile: eastron-sdm120
    connection: { url: "tcp://10.0.0.5:502", unitId: 1 }
  - id: th-1
    profile: xy-md02
    interval: 5s
    connection: { url: "tcp://10.0.0.6:502", unitId: 3, timeout: 500ms }
`;

/** Write the config (and a password file) to a temp folder and load it. */
function load(text: string, files: Record<string, string> = { 'secret.txt': 's3cret\n' }) {
  const dir = dirs.make();
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  writeFileSync(join(dir, 'agent.yaml'), text);
  return { dir, config: () => loadAgentConfig(join(dir, 'agent.yaml')) };
}

/** Every problem, as printed, with the temp folder cut off. */
function problemsOf(text: string, files?: Record<string, string>): string[] {
  const { dir, config } = load(text, files);
  try {
    config();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).problems.map((p) => formatProblem(p).replaceAll(`${dir}/`, ''));
  }
  throw new Error('expected the config to be refused');
}

describe('agent config', () => {
  it('applies every default and reads the password file', () => {
    const { dir, config } = load(VALID);
    const c = config();
    expect(c).toMatchObject({
      gatewayId: 'gw-1',
      hub: { url: 'mqtt://127.0.0.1:1883', username: 'gw-1', password: 's3cret' },
      dataDir: join(dir, '.afferent/agent'),
      outbox: { maxBytes: 256 * 2 ** 20, maxAgeMs: 7 * 86_400_000, synchronous: 'normal' },
      uplink: { batchMaxReadings: 500, batchLingerMs: 20, inflight: 8, ackTimeoutMs: 15_000 },
      status: { host: '127.0.0.1', port: 9464 },
      logLevel: 'info',
    });
    expect(c.devices.map((d) => d.id)).toEqual(['meter-1', 'th-1']);
    expect(c.profiles.has('eastron-sdm120')).toBe(true);
  });

  it('takes explicit settings and sizes with units', () => {
    const text = `${VALID.replace('  passwordFile: secret.txt\n', '  username: edge\n  password: pw\n')}dataDir: /var/lib/afferent
outbox: { maxBytes: 1GB, maxAge: 2d, synchronous: full }
uplink: { batchMaxReadings: 100, batchLinger: 50ms, inflight: 2, ackTimeout: 3s }
status: { host: 0.0.0.0, port: 0 }
logLevel: debug
`;
    expect(load(text).config()).toMatchObject({
      hub: { username: 'edge', password: 'pw' },
      dataDir: '/var/lib/afferent',
      outbox: { maxBytes: 1e9, maxAgeMs: 2 * 86_400_000, synchronous: 'full' },
      uplink: { batchMaxReadings: 100, batchLingerMs: 50, inflight: 2, ackTimeoutMs: 3000 },
      status: { host: '0.0.0.0', port: 0 },
      logLevel: 'debug',
    });
  });

  it('names file, line and field of schema errors', () => {
    const text = VALID.replace('id: gw-1', 'id: "gw/1"').replace('url: mqtt://127.0.0.1:1883', 'url: http://hub').replace('    interval: 5s\n', '    interval: 5 s\n    colour: red\n');
    expect(problemsOf(text)).toEqual([
      'agent.yaml:1 gateway.id: expected a gateway id: letters, digits, ".", "_" and "-", starting with a letter or digit (at most 64), got "gw/1"',
      'agent.yaml:3 hub.url: expected an MQTT url such as mqtts://hub.example.com:8883, got "http://hub"',
      'agent.yaml:11 devices[1].interval: expected a duration such as 250ms, 5s, 1m, 2h or 7d, got "5 s"',
      expect.stringMatching(/^agent.yaml:12 devices\[1\].colour: unknown field; known fields: id, profile, connection, interval, /),
    ]);
  });

  it('refuses duplicate device ids', () => {
    expect(problemsOf(VALID.replace('id: th-1', 'id: meter-1'))).toEqual([
      'agent.yaml:9 devices[1].id: duplicate device id "meter-1" (first at devices[0])',
    ]);
  });

  it('refuses an unknown profile and lists the known ones', () => {
    expect(problemsOf(VALID.replace('profile: xy-md02', 'profile: xy-md03'))).toEqual([
      `agent.yaml:10 devices[1].profile: unknown profile "xy-md03"; known: ${BUILTIN_NAMES}`,
    ]);
  });

  it('takes a device of every protocol, with connection password files relative to the config', () => {
    const text = `${VALID}  - { id: boiler-1, profile: opcua-boiler, connection: { url: "opc.tcp://10.0.0.7:4840", securityMode: SignAndEncrypt, username: op, passwordFile: secrets/opcua } }
  - { id: env-1, profile: coap-env-senml, connection: { url: "coap://10.0.0.8:5683" } }
  - { id: plug-1, profile: tasmota-smart-plug, connection: { url: "mqtt://10.0.0.9:1883", base: plug1, username: agent, password: pw } }
`;
    const { dir, config } = load(text, { 'secret.txt': 's3cret\n', 'secrets/opcua': 'pw\n' });
    expect(config().devices.map((d) => d.connection.passwordFile)).toEqual([undefined, undefined, join(dir, 'secrets/opcua'), undefined, undefined]);
  });

  it('refuses a connection password file it cannot read, or given with a password', () => {
    const text = `${VALID}  - { id: boiler-1, profile: opcua-boiler, connection: { url: "opc.tcp://10.0.0.7:4840", username: op, passwordFile: nowhere } }
  - { id: plug-1, profile: tasmota-smart-plug, connection: { url: "mqtt://10.0.0.9:1883", password: pw, passwordFile: secret.txt } }
`;
    expect(problemsOf(text)).toEqual([
      'agent.yaml:13 devices[2].connection.passwordFile: cannot read nowhere: it does not exist',
      'agent.yaml:14 devices[3].connection.passwordFile: give password or passwordFile, not both',
    ]);
  });

  it('checks the connection against the profile\'s protocol', () => {
    const text = VALID.replace('{ url: "tcp://10.0.0.5:502", unitId: 1 }', '{ url: "opc.tcp://10.0.0.5:4840", unitId: 300, port: 502 }');
    expect(problemsOf(text)).toEqual([
      'agent.yaml:8 devices[0].connection.port: unknown field; known fields: url, unitId, timeout, baudRate, parity, dataBits, stopBits',
      'agent.yaml:8 devices[0].connection.url: expected a Modbus address such as tcp://192.168.1.20:502 or rtu:/dev/ttyUSB0, got "opc.tcp://10.0.0.5:4840"',
      'agent.yaml:8 devices[0].connection.unitId: expected an integer 0–255, got 300',
    ]);
  });

  it('accepts devices on serial ports, and refuses serial settings on tcp and units of one bus at different speeds', () => {
    const serial = VALID
      .replace('{ url: "tcp://10.0.0.5:502", unitId: 1 }', '{ url: "rtu:/dev/ttyUSB0", unitId: 1, baudRate: 19200, parity: even }')
      .replace('{ url: "tcp://10.0.0.6:502", unitId: 3, timeout: 500ms }', '{ url: "rtu:///dev/ttyUSB0", unitId: 3, baudRate: 19200, parity: even, timeout: 500ms }');
    expect(load(serial).config().devices.map((d) => d.connection.url)).toEqual(['rtu:/dev/ttyUSB0', 'rtu:///dev/ttyUSB0']);
    expect(problemsOf(serial.replace('unitId: 3, baudRate: 19200', 'unitId: 3, baudRate: 9600'))).toEqual([
      'agent.yaml:12 devices[1].connection: /dev/ttyUSB0 runs at 19200 8E1 for devices[0] (meter-1), not 9600 8E1: the units on one bus share its speed and framing',
    ]);
    expect(problemsOf(VALID.replace('{ url: "tcp://10.0.0.5:502", unitId: 1 }', '{ url: "tcp://10.0.0.5:502", unitId: 1, stopBits: 2 }'))).toEqual([
      'agent.yaml:8 devices[0].connection.stopBits: stopBits applies to serial lines (rtu:/dev/…) only; tcp://10.0.0.5:502 is Modbus TCP, where the gateway sets the line',
    ]);
  });

  it('refuses an unreadable password file, and password together with passwordFile', () => {
    expect(problemsOf(VALID, {})).toEqual([
      'agent.yaml:4 hub.passwordFile: cannot read secret.txt: it does not exist',
    ]);
    expect(problemsOf(VALID.replace('  passwordFile', '  password: x\n  passwordFile'))).toEqual([
      'agent.yaml:5 hub.passwordFile: give password or passwordFile, not both',
    ]);
  });

  it('refuses credentials in the hub url, which is logged', () => {
    expect(problemsOf(VALID.replace('mqtt://127.0.0.1:1883', 'mqtt://gw:secret@127.0.0.1:1883'))).toEqual([
      'agent.yaml:3 hub.url: no credentials in the url: use hub.username and hub.passwordFile',
    ]);
  });

  it('loads extra profile folders and reports their bad files with their own file:line', () => {
    const custom = `profile: acme-pump\nversion: 2\nprotocol: modbus\npoints:\n  - { name: speed, type: uint16, modbus: { address: 0 } }\n`;
    const broken = `profile: acme-bad\nversion: 1\nprotocol: modbus\npoints:\n  - { name: speed, type: uint16, modbus: { address: -1 } }\n`;
    const text = `${VALID}profileDirs: [site-profiles, missing-folder]\n`;
    const good = load(text.replace(', missing-folder', ''), { 'secret.txt': 'x', 'site-profiles/acme/pump.yaml': custom });
    expect(good.config().profiles.get('acme-pump')?.version).toBe(2);
    expect(problemsOf(text, { 'secret.txt': 'x', 'site-profiles/pump.yaml': custom, 'site-profiles/bad.yaml': broken, 'site-profiles/copy.yaml': custom.replace('acme-pump', 'xy-md02') })).toEqual([
      'agent.yaml:13 profileDirs[1]: cannot read profile folder missing-folder: it does not exist',
      'site-profiles/bad.yaml:5 points[0].modbus.address: expected an integer 0–65535, got -1',
      'site-profiles/copy.yaml profile: profile "xy-md02" is already defined in built-in generic/xy-md02.yaml',
    ]);
  });

  it('collects every problem of a file at once', () => {
    const text = VALID.replace('id: th-1', 'id: meter-1').replace('profile: xy-md02', 'profile: nope').replace('unitId: 1 }', 'unitId: -1 }').replace('id: gw-1', 'id: ""');
    expect(problemsOf(text, {})).toHaveLength(5);
  });

  it('names the line of broken YAML', () => {
    expect(problemsOf('gateway: { id: gw-1\nhub: [\n')[0]).toMatch(/^agent.yaml:\d+: not valid YAML/);
  });

  it('parses text without a file, relative to a folder', () => {
    const c = parseAgentConfig(VALID.replace('  passwordFile: secret.txt\n', ''), 'inline', '/srv/agent');
    expect(c.dataDir).toBe('/srv/agent/.afferent/agent');
    expect(c.hub.password).toBeUndefined();
  });

  it('expands device templates, naming the value that made a bad device', () => {
    const meters = `  - for: { n: 1-3 }
    id: pm-{n}
    profile: eastron-sdm120
    connection: { url: "tcp://10.0.0.9:502", unitId: "{n}" }
`;
    expect(load(VALID + meters).config().devices.map((d) => [d.id, d.connection.unitId])).toEqual([
      ['meter-1', 1], ['th-1', 3], ['pm-1', 1], ['pm-2', 2], ['pm-3', 3],
    ]);
    expect(problemsOf(VALID + meters.replace('"{n}"', '"1{n}00"'))).toEqual([
      'agent.yaml:16 devices[2].connection.unitId: for n=1: expected an integer 0–255, got "1100"',
      'agent.yaml:16 devices[2].connection.unitId: for n=2: expected an integer 0–255, got "1200"',
      'agent.yaml:16 devices[2].connection.unitId: for n=3: expected an integer 0–255, got "1300"',
    ]);
  });

  it('takes the hub url, password and CA that provisioning stored, unless the file gives its own', () => {
    const minimal = 'gateway: { id: gw-1 }\nhub: { url: "mqtts://hub:8883" }\ndataDir: data\n';
    const { dir, config } = load(minimal, {});
    writeCredentials(join(dir, 'data'), { gateway: 'gw-1', hub: 'https://hub:8080', mqtt: { url: 'mqtts://other:8883', username: 'gw-1', password: 'stored' }, provisioned: 1 }, 'CA PEM');
    expect(config()).toMatchObject({
      hub: { url: 'mqtts://hub:8883', username: 'gw-1', password: 'stored', ca: 'CA PEM', credentialsFile: join(dir, 'data', 'credentials.json') },
      devices: [],
    });
    expect(load('gateway: { id: gw-1 }\ndataDir: data\n', {}).config).toThrow(/hub.url: missing: provision the gateway/);
    const other = load('gateway: { id: gw-2 }\ndataDir: data\n', {});
    writeCredentials(join(other.dir, 'data'), { gateway: 'gw-1', hub: 'h', mqtt: { url: 'mqtts://h:8883', username: 'gw-1', password: 'p' }, provisioned: 1 }, undefined);
    expect(other.config).toThrow(/credentials.json holds the credentials of gateway gw-1, not gw-2/);
    expect(problemsOf(`${VALID}  - { id: x, profile: xy-md02, connection: { url: "tcp://h:502" } }\n`.replace('  passwordFile: secret.txt', '  passwordFile: secret.txt\n  ca: nowhere.pem'))).toEqual([
      'agent.yaml:5 hub.ca: cannot read nowhere.pem: it does not exist',
    ]);
  });
});
