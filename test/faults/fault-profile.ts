import { stringify } from 'yaml';

/** The profile every fault test's devices run: written for the simulator, the hub and the agent alike. */
export const FAULT_PROFILE = 'fault-meter';

/** The point whose value is the simulator's read ordinal: one per reading, so it counts readings. */
export const COUNT_POINT = 'count';

/** Held by the tests to raise and clear `high_level`. */
export const LEVEL_POINT = 'level';

/**
 * `points` values in one block of input registers (one Modbus request per
 * poll, so one simulator read per reading): `count` and `p1…` all follow the
 * simulator's `reads` signal, so every poll changes every one of them and is
 * reported; `level` rests at 0 until a test sets it. Two alarms: a threshold
 * on `level` (alarms raised during an outage must all arrive) and a device
 * offline (a vanished device must show).
 */
export function faultProfileYaml(points: number): string {
  const counters = Array.from({ length: points }, (_, i) => (i === 0
    ? { name: COUNT_POINT, type: 'uint32', modbus: { address: 0 } }
    : { name: `p${i}`, type: 'float32', modbus: { address: 2 * i } }));
  return stringify({
    profile: FAULT_PROFILE,
    version: 1,
    protocol: 'modbus',
    modbus: { table: 'input', maxRegistersPerRead: 125 },
    points: [...counters, { name: LEVEL_POINT, type: 'int16', modbus: { address: 2 * points } }],
    alarms: [
      { name: 'high_level', when: `${LEVEL_POINT} > 100`, clear: `${LEVEL_POINT} < 90`, severity: 'major' },
      { name: 'offline', when: 'offline(3)', severity: 'critical' },
    ],
  });
}

/** Every point that follows the read ordinal. */
export function counterPoints(points: number): string[] {
  return Array.from({ length: points }, (_, i) => (i === 0 ? COUNT_POINT : `p${i}`));
}
