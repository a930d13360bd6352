import { isWritable, type DeviceProfile, type ProfilePoint } from '../profile/profile-schema.js';
import { CodecError } from './codec-error.js';
import { POINT_CODECS } from './point-codec.js';
import { checkPointValue } from './value-transform.js';

export interface WriteProblem {
  kind: 'unknown_point' | 'not_writable' | 'invalid_value';
  /** Names the point and says why, e.g. "point setpoint: 50 is above the maximum 35". */
  message: string;
}

/**
 * Everything wrong with a write of `{point: value}` to a device of this
 * profile: the point exists, it is writable, and the value fits its type,
 * range and enum (checkPointValue) and its protocol (the codec's encode: a
 * string longer than its registers, say). The hub checks with this before a
 * command leaves it, and the agent again before it touches the device.
 */
export function checkWrite(profile: DeviceProfile, write: Readonly<Record<string, unknown>>): WriteProblem[] {
  const problems: WriteProblem[] = [];
  const points = new Map(profile.points.map((p) => [p.name, p]));
  for (const [name, value] of Object.entries(write)) {
    const point = points.get(name);
    if (!point) {
      const writable = profile.points.filter(isWritable).map((p) => p.name);
      problems.push({
        kind: 'unknown_point',
        message: `point ${name}: profile ${profile.profile} has no such point (writable: ${writable.join(', ') || 'none'})`,
      });
    } else if (!isWritable(point)) {
      problems.push({ kind: 'not_writable', message: `point ${name}: read-only (access ${point.access ?? 'r'})` });
    } else {
      const refusal = checkPointValue(point, value) ?? encodeRefusal(profile, point, value);
      if (refusal) problems.push({ kind: 'invalid_value', message: refusal });
    }
  }
  return problems;
}

function encodeRefusal(profile: DeviceProfile, point: ProfilePoint, value: unknown): string | undefined {
  try {
    POINT_CODECS[profile.protocol].encode(profile, point, value);
    return undefined;
  } catch (error) {
    if (!(error instanceof CodecError)) throw error;
    return error.message.startsWith('point ') ? error.message : `point ${point.name}: ${error.message}`;
  }
}
