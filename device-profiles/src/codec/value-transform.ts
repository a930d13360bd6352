import type { ProfilePoint } from '../profile/profile-schema.js';
import { INTEGER_RANGES, isFloatType, isIntegerType, type PointValue } from '../profile/point-types.js';
import { CodecError } from './codec-error.js';
import type { RawValue } from './modbus-codec.js';

/**
 * The protocol-independent half of a codec: enum labels, scale and offset.
 * value = raw × scale + offset, and back.
 */

function decimals(n: number): number {
  const text = String(n);
  const exp = /e-(\d+)$/.exec(text);
  if (exp) return Number(exp[1]);
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** 215 × 0.1 is 21.500000000000004 in binary floating point; the profile meant 21.5. */
function tidy(value: number, point: ProfilePoint): number {
  const places = decimals(point.scale ?? 1) + decimals(point.offset ?? 0);
  return places > 0 && places <= 15 ? Number(value.toFixed(places)) : value;
}

export function rawToValue(point: ProfilePoint, raw: RawValue): PointValue {
  if (point.enum) {
    if (typeof raw !== 'number') throw new CodecError(`point ${point.name}: enum needs an integer, got ${JSON.stringify(raw)}`);
    const label = point.enum[String(raw)];
    if (label === undefined) throw new CodecError(`point ${point.name}: ${raw} is not one of its enum values (${Object.keys(point.enum).join(', ')})`);
    return label;
  }
  if (typeof raw !== 'number') return raw;
  if (point.scale === undefined && point.offset === undefined) return raw;
  const value = raw * (point.scale ?? 1) + (point.offset ?? 0);
  return isIntegerType(point.type) ? tidy(value, point) : value;
}

/** Why a value may not be written to this point, or undefined when it may. */
export function checkPointValue(point: ProfilePoint, value: unknown): string | undefined {
  try {
    valueToRaw(point, value);
    return undefined;
  } catch (error) {
    if (error instanceof CodecError) return error.message;
    throw error;
  }
}

export interface EncodeOptions {
  /**
   * true (the default, for writes): refuse values outside min/max or between
   * two steps of the scale. false (for simulators serving any signal): round to
   * the nearest step and clamp to what the type can hold.
   */
  strict?: boolean;
}

/** Engineering value → raw value, refusing anything the profile does not allow. */
export function valueToRaw(point: ProfilePoint, value: unknown, { strict = true }: EncodeOptions = {}): RawValue {
  const fail = (why: string): never => {
    throw new CodecError(`point ${point.name}: ${why}`);
  };
  if (point.enum) {
    const labels = Object.entries(point.enum);
    const byLabel = labels.find(([, label]) => label === value);
    if (byLabel) return Number(byLabel[0]);
    if (typeof value === 'number' && point.enum[String(value)] !== undefined) return value;
    return fail(`expected one of ${labels.map(([, l]) => l).join(', ')}, got ${JSON.stringify(value)}`);
  }
  if (point.type === 'bool') {
    return typeof value === 'boolean' ? value : fail(`expected true or false, got ${JSON.stringify(value)}`);
  }
  if (point.type === 'string') {
    return typeof value === 'string' ? value : fail(`expected a string, got ${JSON.stringify(value)}`);
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return fail(`expected a number, got ${JSON.stringify(value)}`);
  if (strict && point.min !== undefined && value < point.min) fail(`${value} is below the minimum ${point.min}`);
  if (strict && point.max !== undefined && value > point.max) fail(`${value} is above the maximum ${point.max}`);
  let raw = (value - (point.offset ?? 0)) / (point.scale ?? 1);
  if (isIntegerType(point.type)) {
    const rounded = Math.round(raw);
    // A value between two steps of the scale cannot be written exactly: say so rather than round silently.
    if (strict && Math.abs(rounded - raw) > 1e-6 * Math.max(1, Math.abs(raw))) {
      fail(`${value} is not a multiple of the point's resolution ${point.scale ?? 1}`);
    }
    const [min, max] = INTEGER_RANGES[point.type];
    raw = strict ? rounded : Math.min(max, Math.max(min, rounded));
    if (raw < min || raw > max) fail(`${value} does not fit in ${point.type} after scaling`);
  } else if (!isFloatType(point.type)) {
    fail(`type ${point.type} cannot hold a number`);
  }
  return raw;
}
