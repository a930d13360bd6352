import { isIntegerType, rawToValue, valueToRaw, type PointValue, type ProfilePoint } from '@afferent/device-profiles';

/** Floats read back within this fraction of the value count as equal (float32 keeps ~7 significant digits). */
export const RELATIVE_TOLERANCE = 1e-6;

/** What the point reports once `value` is written: an enum written as a number reads back as its label, a scaled value on its step. */
export function expectedReadback(point: ProfilePoint, value: PointValue): PointValue {
  return rawToValue(point, valueToRaw(point, value));
}

/**
 * Whether a value read back is the value written. Numbers may differ by half
 * a step of an integer point's scale (the device stores steps), or by a
 * relative 1e-6 (floats); everything else must be equal.
 */
export function readbackMatches(point: ProfilePoint, expected: PointValue, actual: PointValue): boolean {
  if (typeof expected === 'number' && typeof actual === 'number') {
    const halfStep = isIntegerType(point.type) ? Math.abs(point.scale ?? 1) / 2 : 0;
    const tolerance = Math.max(halfStep * (1 - 1e-9), RELATIVE_TOLERANCE * Math.max(Math.abs(expected), Math.abs(actual)));
    return Math.abs(expected - actual) <= tolerance;
  }
  return expected === actual;
}
