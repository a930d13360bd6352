import type { ProfilePoint } from '../profile/profile-schema.js';
import { isNumericType } from '../profile/point-types.js';
import { CodecError } from './codec-error.js';
import type { RawValue } from './modbus-codec.js';

/**
 * A value as a self-describing protocol delivered it (JSON, CBOR, an OPC UA
 * variant) → the raw value the point's type expects. Lenient where devices
 * commonly are (1/0 for a bool, "21.5" for a number), strict otherwise.
 */
export function coerceRaw(point: ProfilePoint, value: unknown): RawValue {
  const fail = (): never => {
    throw new CodecError(`point ${point.name}: a ${point.type} cannot be ${describe(value)}`);
  };
  if (point.type === 'bool') {
    if (typeof value === 'boolean') return value;
    if (value === 0 || value === 1) return value === 1;
    if (value === 'true' || value === 'false') return value === 'true';
    return fail();
  }
  if (point.type === 'string') {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
    if (value instanceof Date) return value.toISOString();
    if (value && typeof value === 'object' && 'text' in value) return String((value as { text: unknown }).text); // LocalizedText
    return fail();
  }
  if (isNumericType(point.type)) {
    if (typeof value === 'number') return value;
    if (typeof value === 'bigint') return Number(value);
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
    if (Array.isArray(value) && value.length === 2 && value.every((n) => typeof n === 'number')) return int64FromWords(point, value as [number, number]);
    return fail();
  }
  return fail();
}

/** node-opcua carries Int64/UInt64 as [high, low] 32-bit words. */
function int64FromWords(point: ProfilePoint, [high, low]: [number, number]): number {
  const signedHigh = point.type === 'int64' && high > 0x7fff_ffff ? high - 0x1_0000_0000 : high;
  return signedHigh * 0x1_0000_0000 + (low >>> 0);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (typeof value === 'object') return Array.isArray(value) ? 'a list' : 'a mapping';
  return JSON.stringify(value);
}
