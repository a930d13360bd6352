import { checkWrite, type DeviceProfile, type PointValue, type WriteProblem } from '@afferent/device-profiles';
import type { ErrorCode } from '../api/errors.js';

const CODES: Record<WriteProblem['kind'], ErrorCode> = {
  unknown_point: 'unknown_point',
  not_writable: 'point_not_writable',
  invalid_value: 'invalid_value',
};

/** The API's answer to an invalid write: the first problem's catalogue code, every problem's message. */
export function writeRefusal(profile: DeviceProfile, write: Readonly<Record<string, PointValue>>): { code: ErrorCode; message: string } | undefined {
  const problems = checkWrite(profile, write);
  if (problems.length === 0) return undefined;
  return { code: CODES[problems[0]!.kind], message: problems.map((p) => p.message).join('; ') };
}
