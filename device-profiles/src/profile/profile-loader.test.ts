import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError, formatProblem } from '../validation/problem.js';
import { loadProfileLibrary, parseProfile, BUILTIN_PROFILES_DIR } from './profile-loader.js';

const valid = `profile: test-meter
version: 1
protocol: modbus
modbus: { table: input }
points:
  - { name: voltage, type: float32, unit: V, modbus: { address: 0 } }
  - { name: current, type: float32, unit: A, modbus: { address: 6 } }
  - { name: relay, type: bool, access: rw, modbus: { table: coil, address: 0 } }
`;

function errorOf(text: string, source = 'meters/test.yaml'): string {
  try {
    parseProfile(text, source);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as Error).message;
  }
  throw new Error('expected the profile to be refused');
}

describe('the shipped profile library', () => {
  const library = loadProfileLibrary(BUILTIN_PROFILES_DIR);
  it('loads every profile without a problem', () => {
    expect(library.problems.map(formatProblem)).toEqual([]);
    expect(library.profiles.size).toBeGreaterThanOrEqual(3);
  });
  it('has the Eastron SDM120 with float32 input registers', () => {
    const sdm120 = library.profiles.get('eastron-sdm120');
    expect(sdm120?.modbus?.table).toBe('input');
    expect(sdm120?.points.find((p) => p.name === 'voltage')).toMatchObject({ type: 'float32', modbus: { address: 0 } });
  });
});

describe('profile errors name file, line, field and what is wrong', () => {
  it('accepts a valid profile', () => {
    expect(parseProfile(valid, 'test.yaml').points).toHaveLength(3);
  });

  it('a bad address: the example from the issue', () => {
    const text = valid.replace('unit: A, modbus: { address: 6 }', 'unit: A, modbus: { address: 0x1G }');
    expect(errorOf(text)).toBe('meters/test.yaml:7 points[1].modbus.address: expected an integer 0–65535, got "0x1G"');
  });

  it('an unknown field, with the known ones listed', () => {
    const text = valid.replace('unit: V,', 'unti: V,');
    expect(errorOf(text)).toMatch(/^meters\/test.yaml:6 points\[0\].unti: unknown field; known fields: name, type, unit/);
  });

  it('a missing required field', () => {
    expect(errorOf(valid.replace('version: 1\n', ''))).toBe('meters/test.yaml:1 version: missing (required)');
  });

  it('an unknown type lists the types', () => {
    expect(errorOf(valid.replace('type: float32, unit: A', 'type: float, unit: A'))).toBe(
      'meters/test.yaml:7 points[1].type: expected one of bool, int16, uint16, int32, uint32, int64, uint64, float32, float64, string, got "float"',
    );
  });

  it('broken YAML names the line', () => {
    expect(errorOf('profile: x\npoints: [\n')).toMatch(/^meters\/test.yaml:\d+: not valid YAML/);
  });

  it('cross-field rules: duplicate names, type vs table, writes to read-only tables', () => {
    const text = `profile: bad
version: 1
protocol: modbus
points:
  - { name: a, type: float32, modbus: { table: input, address: 0 } }
  - { name: a, type: int16, modbus: { address: 4 } }
`;
    expect(errorOf(text)).toBe('meters/test.yaml:6 points[1].name: duplicate point name "a" (first at points[0])');
    const tableErrors = errorOf(`profile: bad
version: 1
protocol: modbus
points:
  - { name: a, type: float32, modbus: { table: coil, address: 0 } }
  - { name: b, type: int16, access: rw, modbus: { table: input, address: 4 } }
  - { name: c, type: bool, modbus: { table: holding, address: 5 } }
  - { name: d, type: string, modbus: { address: 65535, length: 2 } }
`);
    expect(tableErrors).toContain('meters/test.yaml:5 points[0].type: a coil holds one bit: the type must be bool, not float32');
    expect(tableErrors).toContain('meters/test.yaml:6 points[1].access: rw needs a writable table (coil or holding), but this point is in input');
    expect(tableErrors).toContain('meters/test.yaml:7 points[2].modbus.bit: a bool in a holding register needs the bit (0–15) that holds it');
    expect(tableErrors).toContain('meters/test.yaml:8 points[3].modbus.address: a string of 2 registers at 65535 runs past address 65535');
  });

  it('a missing protocol block', () => {
    expect(errorOf(`profile: bad
version: 1
protocol: modbus
points:
  - { name: a, type: float32 }
`)).toBe('meters/test.yaml:5 points[0].modbus: missing: a modbus profile says where each point lives');
  });
});

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('a library with a bad file', () => {
  it('loads the good files and reports the bad one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'afferent-profiles-'));
    made.push(dir);
    mkdirSync(join(dir, 'meters'));
    writeFileSync(join(dir, 'meters', 'good.yaml'), valid);
    writeFileSync(join(dir, 'meters', 'bad.yaml'), valid.replace('test-meter', 'other').replace('address: 6', 'address: -1'));
    writeFileSync(join(dir, 'copy.yml'), valid);
    const library = loadProfileLibrary(dir);
    expect([...library.profiles.keys()]).toEqual(['test-meter']);
    // Files load in path order, so copy.yml comes first and meters/good.yaml is the duplicate.
    expect(library.problems.map(formatProblem)).toEqual([
      'meters/bad.yaml:7 points[1].modbus.address: expected an integer 0–65535, got -1',
      'meters/good.yaml profile: profile "test-meter" is already defined in copy.yml',
    ]);
  });
});

describe('protocol blocks', () => {
  it('checks OPC UA, CoAP and MQTT blocks', () => {
    expect(errorOf(`profile: plc
version: 1
protocol: opcua
points:
  - { name: a, type: float64, opcua: { nodeId: "ns=2;s=A" } }
  - { name: b, type: float64, opcua: { nodeId: "ns=2;s=A" } }
  - { name: c, type: float64, opcua: { nodeId: "2;A" } }
`)).toContain('meters/test.yaml:7 points[2].opcua.nodeId: expected a NodeId such as ns=2;s=Boiler.Temperature');
    expect(errorOf(`profile: plc
version: 1
protocol: opcua
points:
  - { name: a, type: float64, opcua: { nodeId: "ns=2;s=A" } }
  - { name: b, type: float64, opcua: { nodeId: "ns=2;s=A" } }
`)).toBe('meters/test.yaml:6 points[1].opcua.nodeId: node ns=2;s=A is already points[0]');
    expect(errorOf(`profile: plug
version: 1
protocol: mqtt
points:
  - { name: relay, type: bool, access: rw, mqtt: { topic: "{base}/state" } }
`)).toBe('meters/test.yaml:5 points[0].mqtt.commandTopic: a writable point needs the topic its writes are published to');
    expect(errorOf(`profile: node
version: 1
protocol: coap
points:
  - { name: t, type: float32, coap: { path: sensors/t } }
`)).toBe('meters/test.yaml:5 points[0].coap.path: expected a resource path such as /sensors/env, got "sensors/t"');
  });
});
