import { POINT_CODECS, isReadable, parseProfile, type DeviceProfile, type PointValue } from '@afferent/device-profiles';
import type { DeviceSession, DriverError, RawReadResult } from '../../driver.js';

/** A profile with a point of every type in every table, and values for it: what the Modbus driver tests read and write. */
export const PROFILE = parseProfile(`profile: test-every-table
version: 1
protocol: modbus
modbus: { table: input }
points:
  - { name: temperature, type: int16, scale: 0.1, modbus: { address: 0 } }
  - { name: energy, type: uint32, modbus: { address: 1 } }
  - { name: power, type: float32, modbus: { address: 3, wordOrder: little } }
  - { name: total, type: float64, modbus: { address: 5 } }
  - { name: counter, type: int64, modbus: { address: 9, byteOrder: little } }
  - { name: model, type: string, modbus: { address: 13, length: 4 } }
  - { name: setpoint, type: int16, scale: 0.1, min: 5, max: 35, access: rw, modbus: { table: holding, address: 100 } }
  - { name: mode, type: uint16, access: rw, enum: { 0: "off", 1: auto, 2: manual }, modbus: { table: holding, address: 101 } }
  - { name: running, type: bool, access: rw, modbus: { table: holding, address: 102, bit: 0 } }
  - { name: tripped, type: bool, access: rw, modbus: { table: holding, address: 102, bit: 3 } }
  - { name: limit, type: int32, access: rw, modbus: { table: holding, address: 103 } }
  - { name: relay1, type: bool, access: rw, modbus: { table: coil, address: 0 } }
  - { name: relay2, type: bool, access: rw, modbus: { table: coil, address: 1 } }
  - { name: relay3, type: bool, access: rw, modbus: { table: coil, address: 2 } }
  - { name: door, type: bool, modbus: { table: discrete, address: 0 } }
  - { name: smoke, type: bool, modbus: { table: discrete, address: 1 } }
`, 'test-every-table.yaml');

export const VALUES: Record<string, PointValue> = {
  temperature: -12.3, energy: 3_000_000_000, power: 1234.5, total: -98765.4321, counter: -1_234_567_890_123,
  model: 'SIM-1', setpoint: 21.5, mode: 'manual', running: true, tripped: false, limit: -70_000,
  relay1: true, relay2: false, relay3: true, door: true, smoke: false,
};

export const readable = (profile: DeviceProfile) => profile.points.filter(isReadable);

/** Decode what the driver read with the profile's codecs, as the agent does. */
export function decode(profile: DeviceProfile, results: RawReadResult): Record<string, PointValue | string> {
  const values: Record<string, PointValue | string> = {};
  for (const [name, result] of results) {
    const point = profile.points.find((p) => p.name === name)!;
    values[name] = 'raw' in result ? POINT_CODECS.modbus.decode(profile, point, result.raw) : `error ${result.error.kind} ${result.error.code ?? ''}`.trim();
  }
  return values;
}

export const errorOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as DriverError);

/** Write decoded values through the profile's codecs, as the agent does. */
export function writeValues(session: DeviceSession, values: Record<string, PointValue>, profile: DeviceProfile = PROFILE): Promise<void> {
  return session.write(Object.entries(values).map(([name, value]) => {
    const point = profile.points.find((p) => p.name === name)!;
    return { point, raw: POINT_CODECS.modbus.encode(profile, point, value) };
  }));
}
