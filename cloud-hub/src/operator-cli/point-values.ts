import { isNumericType, isWritable, type DeviceProfile, type PointValue, type ProfilePoint } from '@afferent/device-profiles';
import { UsageError } from './cli-command.js';

const TRUE = new Set(['true', 'on', '1', 'yes']);
const FALSE = new Set(['false', 'off', '0', 'no']);

/**
 * `point=value` words → `{point: value}` typed by the profile: a bool takes
 * true/false/on/off/1/0, an enum its label (or its number), a number a
 * number, a string anything. Range and writability are the hub's to check:
 * it knows the device's profile version, and says exactly what is wrong.
 */
export function parsePointValues(profile: DeviceProfile, words: readonly string[]): Record<string, PointValue> {
  const write: Record<string, PointValue> = {};
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new UsageError(`expected point=value, got ${JSON.stringify(word)}`);
    const name = word.slice(0, eq);
    const point = profile.points.find((p) => p.name === name);
    if (!point) {
      const writable = profile.points.filter(isWritable).map((p) => p.name);
      throw new UsageError(`profile ${profile.profile} has no point ${JSON.stringify(name)}; writable: ${writable.join(', ') || 'none'}`);
    }
    if (name in write) throw new UsageError(`point ${name} is given twice`);
    write[name] = parseValue(point, word.slice(eq + 1));
  }
  return write;
}

function parseValue(point: ProfilePoint, text: string): PointValue {
  if (point.enum) {
    const labels = Object.values(point.enum);
    if (labels.includes(text)) return text;
    if (/^-?\d+$/.test(text) && point.enum[text] !== undefined) return Number(text);
    throw new UsageError(`point ${point.name} takes one of ${labels.join(', ')}, got ${JSON.stringify(text)}`);
  }
  if (point.type === 'bool') {
    const lower = text.toLowerCase();
    if (TRUE.has(lower)) return true;
    if (FALSE.has(lower)) return false;
    throw new UsageError(`point ${point.name} takes true or false (or on/off, 1/0), got ${JSON.stringify(text)}`);
  }
  if (isNumericType(point.type)) {
    const number = Number(text);
    if (text.trim() === '' || !Number.isFinite(number)) throw new UsageError(`point ${point.name} takes a number (${point.type}), got ${JSON.stringify(text)}`);
    return number;
  }
  return text;
}
