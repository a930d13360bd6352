import { checkPointValue, type PointValue } from '@afferent/device-profiles';
import type { SimulatedDevice } from './simulated-device.js';

/**
 * Why the device refuses to write `value` to a point, or undefined when it
 * accepts it: the point must be writable and the value within the profile's
 * min/max, enum and resolution (device-profiles' strict check).
 */
export function writeRefusal(device: SimulatedDevice, name: string, value: PointValue): string | undefined {
  if (!device.isWritable(name)) return `point ${name} is read-only`;
  return checkPointValue(device.point(name), value);
}
