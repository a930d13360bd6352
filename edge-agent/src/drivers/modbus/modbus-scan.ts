import { isBitTable, type ModbusConnection as ConnectionSettings, type ModbusTable } from '@afferent/device-profiles';
import { DriverError } from '../driver.js';
import { ModbusConnection } from './modbus-connection.js';
import { transportOf } from './modbus-driver.js';
import { GATEWAY_EXCEPTIONS } from './modbus-errors.js';
import type { UnitRequests } from './modbus-requests.js';

/** Addresses `from`…`to` (inclusive) of one table. */
export interface AddressRange {
  table: ModbusTable;
  from: number;
  to: number;
}

export interface ScanOptions {
  /** Where to scan: a device connection without the unit (url, and the serial settings for rtu:). */
  connection: Omit<ConnectionSettings, 'unitId' | 'timeout'>;
  units: readonly number[];
  ranges: readonly AddressRange[];
  timeoutMs: number;
  /** Called before each unit id is probed. */
  onProgress?(progress: { unitId: number; done: number; total: number; found: number }): void;
}

export interface ScannedUnit {
  unitId: number;
  /** The probe's answer: data, or the exception code the unit answered with (it is there all the same). */
  probe: 'data' | { exception: number };
  /** What reads without an exception, merged into ranges. */
  readable: AddressRange[];
  /** Blocks the unit did not answer at all (some devices stay silent for addresses they lack). */
  silent: AddressRange[];
}

export interface ScanResult {
  url: string;
  scanned: number;
  units: ScannedUnit[];
  /** Unit ids that answered something unreadable: on a serial line, usually a wrong baud rate or parity. */
  garbled: number[];
}

/** Largest read the spec allows, per kind of table. */
const MAX_REGISTERS = 125;
const MAX_BITS = 2000;

/**
 * Which unit ids answer on a line, and which addresses of each read without
 * an exception. A unit is there when it answers a one-register read of the
 * first range at all, with data or with an exception of its own (0A/0B come
 * from a gateway about a unit behind it, so they do not count). Each range is
 * read in the largest blocks allowed; a block that gets an exception is split
 * in halves until the readable addresses are found, except that exception 01
 * (illegal function) means the unit has no such table at all.
 */
export async function scanModbus(options: ScanOptions): Promise<ScanResult> {
  const { transport } = transportOf('scan', { ...options.connection });
  // A scan expects silent unit ids: none of them may be quarantined.
  const connection = new ModbusConnection(transport, { quarantine: null });
  const result: ScanResult = { url: transport.url, scanned: 0, units: [], garbled: [] };
  try {
    for (const [index, unitId] of options.units.entries()) {
      options.onProgress?.({ unitId, done: index, total: options.units.length, found: result.units.length });
      const ask = <T>(exchange: (unit: UnitRequests) => Promise<T>) => connection.run(unitId, options.timeoutMs, exchange);
      const probe = await probeUnit(ask, options.ranges[0] ?? { table: 'holding', from: 0, to: 0 });
      result.scanned++;
      if (probe === 'garbled') result.garbled.push(unitId);
      if (probe === 'absent' || probe === 'garbled') continue;
      const unit: ScannedUnit = { unitId, probe, readable: [], silent: [] };
      for (const range of options.ranges) await mapRange(ask, range, unit);
      unit.readable = merge(unit.readable);
      result.units.push(unit);
    }
  } finally {
    await connection.close();
  }
  return result;
}

type Ask = <T>(exchange: (unit: UnitRequests) => Promise<T>) => Promise<T>;
type Outcome = 'ok' | 'silent' | { exception: number } | 'garbled';

async function attempt(ask: Ask, table: ModbusTable, address: number, count: number): Promise<Outcome> {
  try {
    await ask((unit) => unit.readTable(table, address, count));
    return 'ok';
  } catch (error) {
    if (!(error instanceof DriverError)) throw error;
    if (error.kind === 'timeout') return 'silent';
    if (typeof error.code === 'number') return GATEWAY_EXCEPTIONS.has(error.code) ? 'silent' : { exception: error.code };
    if (error.kind === 'protocol') return 'garbled';
    // The line itself is gone: the scan cannot go on.
    throw error;
  }
}

async function probeUnit(ask: Ask, first: AddressRange): Promise<ScannedUnit['probe'] | 'absent' | 'garbled'> {
  const outcome = await attempt(ask, first.table, first.from, 1);
  if (outcome === 'ok') return 'data';
  if (outcome === 'silent') return 'absent';
  return outcome;
}

async function mapRange(ask: Ask, range: AddressRange, unit: ScannedUnit): Promise<void> {
  const max = isBitTable(range.table) ? MAX_BITS : MAX_REGISTERS;
  /** Read from…to; on an exception, find the readable addresses inside. 'stop': the unit has no such table. */
  const narrow = async (from: number, to: number): Promise<'stop' | undefined> => {
    const outcome = await attempt(ask, range.table, from, to - from + 1);
    if (outcome === 'ok') unit.readable.push({ table: range.table, from, to });
    else if (outcome === 'silent' || outcome === 'garbled') unit.silent.push({ table: range.table, from, to });
    else if (outcome.exception === 1) return 'stop';
    else if (to > from) {
      // Halving costs up to 2n-1 requests to prove n addresses unreadable; below SINGLES, one by one costs n.
      const parts = to - from + 1 <= SINGLES ? singles(from, to) : halves(from, to);
      for (const [a, b] of parts) if ((await narrow(a, b)) === 'stop') return 'stop';
    }
    return undefined;
  };
  for (let from = range.from; from <= range.to; from += max) {
    if ((await narrow(from, Math.min(from + max - 1, range.to))) === 'stop') return;
  }
}

/** A failed block this small is read address by address. */
const SINGLES = 8;

function singles(from: number, to: number): [number, number][] {
  return Array.from({ length: to - from + 1 }, (_, i) => [from + i, from + i]);
}

function halves(from: number, to: number): [number, number][] {
  const middle = Math.floor((from + to) / 2);
  return [[from, middle], [middle + 1, to]];
}

/** Adjacent ranges of one table become one, in table and address order. */
function merge(ranges: AddressRange[]): AddressRange[] {
  const sorted = [...ranges].sort((a, b) => a.table.localeCompare(b.table) || a.from - b.from);
  const merged: AddressRange[] = [];
  for (const range of sorted) {
    const last = merged.at(-1);
    if (last && last.table === range.table && last.to + 1 >= range.from) last.to = Math.max(last.to, range.to);
    else merged.push({ ...range });
  }
  return merged;
}
