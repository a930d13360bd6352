import {
  CodecError, POINT_CODECS, checkPointValue, isWritable,
  type DeviceProfile, type PointValue, type ProfilePoint,
} from '@afferent/device-profiles';
import type { ErrorCode } from '../api/errors.js';

export interface CommandProblem {
  code: Extract<ErrorCode, 'unknown_point' | 'point_not_writable' | 'invalid_value'>;
  message: string;
}

/**
 * Everything wrong with a write, checked against the device's profile before
 * anything leaves the hub: the point exists, it is writable, and the value
 * fits its type, range and enum (checkPointValue) and its protocol (the
 * codec's encode: a string longer than its registers, say).
 */
export function checkWrite(profile: DeviceProfile, write: Readonly<Record<string, PointValue>>): CommandProblem[] {
  const problems: CommandProblem[] = [];
  const points = new Map(profile.points.map((p) => [p.name, p]));
  for (const [name, value] of Object.entries(write)) {
    const point = points.get(name);
    if (!point) {
      const writable = profile.points.filter(isWritable).map((p) => p.name);
      problems.push({
        code: 'unknown_point',
        message: `point ${name}: profile ${profile.profile} has no such point (writable: ${writable.join(', ') || 'none'})`,
      });
      continue;
    }
    if (!isWritable(point)) {
      problems.push({ code: 'point_not_writable', message: `point ${name}: read-only (access ${point.access ?? 'r'})` });
      continue;
    }
    const refusal = checkPointValue(point, value) ?? encodeRefusal(profile, point, value);
    if (refusal) problems.push({ code: 'invalid_value', message: refusal });
  }
  return problems;
}

function encodeRefusal(profile: DeviceProfile, point: ProfilePoint, value: PointValue): string | undefined {
  try {
    POINT_CODECS[profile.protocol].encode(profile, point, value);
    return undefined;
  } catch (error) {
    if (!(error instanceof CodecError)) throw error;
    return error.message.startsWith('point ') ? error.message : `point ${point.name}: ${error.message}`;
  }
}
