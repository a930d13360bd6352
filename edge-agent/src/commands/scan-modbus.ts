import { parseArgs } from 'node:util';
import { MODBUS_TABLES, describeModbusSerial, modbusSerialSettings, parseDuration, type ModbusConnection, type ModbusTable } from '@afferent/device-profiles';
import { scanModbus, type AddressRange, type ScanOptions, type ScanResult } from '../drivers/modbus/modbus-scan.js';

export const SCAN_MODBUS_USAGE = `  edge-agent scan modbus --host H [--port 502]            which unit ids answer, and what each reads
  edge-agent scan modbus --serial /dev/ttyUSB0 [--baud 9600] [--parity none|even|odd] [--data-bits 8] [--stop-bits 1]
      [--units 1-247] [--ranges holding:0-99,input:0-99] [--timeout 300ms] [--json]
`;

const DEFAULTS = { units: '1-247', ranges: 'holding:0-99,input:0-99', timeout: '300ms' };

export interface CommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

/** `edge-agent scan modbus …`: 0 when the scan ran, 1 when the line failed, 2 for bad arguments. */
export async function scanModbusCommand(args: string[], io: CommandIo = process): Promise<number> {
  let parsed: { options: Omit<ScanOptions, 'onProgress'>; json: boolean };
  try {
    parsed = parseScanArgs(args);
  } catch (error) {
    io.stderr.write(`edge-agent scan modbus: ${(error as Error).message}\n${SCAN_MODBUS_USAGE}`);
    return 2;
  }
  const { options, json } = parsed;
  // On a terminal the progress line rewrites itself; in a log each unit is a line.
  const end = io.stderr.isTTY ? '\r' : '\n';
  let result: ScanResult;
  try {
    result = await scanModbus({
      ...options,
      onProgress: ({ unitId, done, total, found }) => io.stderr.write(`unit ${unitId} (${done + 1}/${total})… ${found} found${end}`),
    });
  } catch (error) {
    io.stderr.write(`${end === '\r' ? '\n' : ''}edge-agent scan modbus: ${(error as Error).message}\n`);
    return 1;
  }
  if (end === '\r') io.stderr.write('\n');
  io.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : formatScan(result, options.connection));
  return 0;
}

export function parseScanArgs(args: string[]): { options: Omit<ScanOptions, 'onProgress'>; json: boolean } {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      host: { type: 'string' }, port: { type: 'string' },
      serial: { type: 'string' }, baud: { type: 'string' }, parity: { type: 'string' },
      'data-bits': { type: 'string' }, 'stop-bits': { type: 'string' },
      units: { type: 'string' }, ranges: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' },
    },
  });
  if (Boolean(values.host) === Boolean(values.serial)) throw new Error('give --host (Modbus TCP) or --serial (Modbus RTU), one of them');
  let connection: ScanOptions['connection'];
  if (values.host) {
    for (const flag of ['baud', 'parity', 'data-bits', 'stop-bits'] as const) {
      if (values[flag] !== undefined) throw new Error(`--${flag} applies to --serial only`);
    }
    const port = values.port === undefined ? 502 : integer('--port', values.port, 1, 65535);
    connection = { url: `tcp://${values.host.includes(':') ? `[${values.host}]` : values.host}:${port}` };
  } else {
    if (values.port !== undefined) throw new Error('--port applies to --host only');
    if (!values.serial!.startsWith('/')) throw new Error(`--serial wants the path of a serial port such as /dev/ttyUSB0, got "${values.serial}"`);
    const serial: ModbusConnection = { url: `rtu:${values.serial}` };
    if (values.baud !== undefined) serial.baudRate = integer('--baud', values.baud, 300, 4_000_000);
    if (values.parity !== undefined) serial.parity = oneOf('--parity', values.parity, ['none', 'even', 'odd'] as const);
    if (values['data-bits'] !== undefined) serial.dataBits = integer('--data-bits', values['data-bits'], 7, 8) as 7 | 8;
    if (values['stop-bits'] !== undefined) serial.stopBits = integer('--stop-bits', values['stop-bits'], 1, 2) as 1 | 2;
    connection = serial;
  }
  const maxUnit = values.serial ? 247 : 255;
  const timeout = values.timeout ?? DEFAULTS.timeout;
  if (!/^\d+(ms|s)$/.test(timeout)) throw new Error(`--timeout wants a duration such as 300ms or 2s, got "${timeout}"`);
  return {
    options: {
      connection,
      units: parseUnits(values.units ?? DEFAULTS.units, values.serial ? 1 : 0, maxUnit),
      ranges: parseRanges(values.ranges ?? DEFAULTS.ranges),
      timeoutMs: parseDuration(timeout),
    },
    json: values.json ?? false,
  };
}

/** `1-247`, `1,2,5-9`: unit ids in the order given, each once. */
export function parseUnits(text: string, min: number, max: number): number[] {
  const units = new Set<number>();
  for (const part of text.split(',')) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    const from = match ? Number(match[1]) : NaN;
    const to = match?.[2] === undefined ? from : Number(match[2]);
    if (!match || from < min || to > max || from > to) throw new Error(`--units: "${part}" is not a unit id or range within ${min}-${max}`);
    for (let unit = from; unit <= to; unit++) units.add(unit);
  }
  return [...units];
}

/** `holding:0-99,input:0-49,coil:0-15,discrete:0-7`. */
export function parseRanges(text: string): AddressRange[] {
  return text.split(',').map((part) => {
    const match = /^([a-z]+):(\d+)(?:-(\d+))?$/.exec(part.trim());
    const table = match?.[1] as ModbusTable | undefined;
    if (!match || !MODBUS_TABLES.includes(table!)) {
      throw new Error(`--ranges: "${part}" is not table:from-to with a table among ${MODBUS_TABLES.join(', ')}`);
    }
    const from = Number(match[2]);
    const to = match[3] === undefined ? from : Number(match[3]);
    if (to > 65535 || from > to) throw new Error(`--ranges: "${part}" is not an address range within 0-65535`);
    return { table: table!, from, to };
  });
}

/** The scan as a table a field engineer reads at a glance. */
export function formatScan(result: ScanResult, connection: ScanOptions['connection']): string {
  const line = connection.url.startsWith('rtu:') ? ` at ${describeModbusSerial(modbusSerialSettings(connection))}` : '';
  const lines = [`${result.url}${line}: ${result.units.length} of ${result.scanned} unit ids answer`];
  if (result.units.length > 0) {
    const rows = result.units.map((unit) => [
      String(unit.unitId),
      unit.probe === 'data' ? 'data' : `exception ${String(unit.probe.exception).padStart(2, '0')}`,
      describeRanges(unit.readable),
      describeRanges(unit.silent, ''),
    ]);
    const table = [['unit', 'probe', 'readable', 'no answer'], ...rows];
    const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
    for (const row of table) lines.push(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
  }
  if (result.garbled.length > 0) lines.push(`garbled answers from unit ${result.garbled.join(', ')}: a wrong baud rate or parity?`);
  return `${lines.join('\n')}\n`;
}

/** `holding 0-9,100-104; input 0-16` */
function describeRanges(ranges: readonly AddressRange[], none = '-'): string {
  if (ranges.length === 0) return none;
  const byTable = new Map<string, string[]>();
  for (const { table, from, to } of ranges) byTable.set(table, [...(byTable.get(table) ?? []), from === to ? `${from}` : `${from}-${to}`]);
  return [...byTable].map(([table, spans]) => `${table} ${spans.join(',')}`).join('; ');
}

function integer(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new Error(`${flag} wants an integer ${min}-${max}, got "${text}"`);
  return value;
}

function oneOf<T extends string>(flag: string, text: string, allowed: readonly T[]): T {
  if (!allowed.includes(text as T)) throw new Error(`${flag} wants one of ${allowed.join(', ')}, got "${text}"`);
  return text as T;
}
