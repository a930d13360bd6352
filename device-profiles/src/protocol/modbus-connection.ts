import { Type, type Static } from 'typebox';
import type { Problem } from '../validation/problem.js';

/**
 * Where a Modbus device is: `tcp://host:port` (Modbus TCP, or a TCP-to-serial
 * gateway), or `rtu:/dev/ttyUSB0` (Modbus RTU on a local serial port; the
 * form `rtu:///dev/ttyUSB0` is accepted too). The path is the device node as
 * the gateway sees it, preferably a stable one such as
 * `/dev/serial/by-id/usb-FTDI_…-port0`, which survives re-plugging.
 */
const TCP_URL = 'tcp://[A-Za-z0-9.\\-\\[\\]:]+';
const RTU_URL = 'rtu:(//)?/\\S+';

/** The serial line's framing when a connection does not say. 8N1 at 9600 baud is what most devices ship with. */
export const MODBUS_SERIAL_DEFAULTS = { baudRate: 9600, parity: 'none', dataBits: 8, stopBits: 1 } as const;

/** The serial settings; each applies to `rtu:` urls only. */
export const MODBUS_SERIAL_SETTINGS = ['baudRate', 'parity', 'dataBits', 'stopBits'] as const;

export const ModbusConnectionSchema = Type.Object(
  {
    url: Type.String({
      pattern: `^(${TCP_URL}|${RTU_URL})$`,
      expected: 'a Modbus address such as tcp://192.168.1.20:502 or rtu:/dev/ttyUSB0',
    }),
    unitId: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
    /** Per-request timeout; default 1s. */
    timeout: Type.Optional(Type.String({ pattern: '^\\d+(ms|s)$', expected: 'a timeout such as 500ms or 2s' })),
    /** Serial only: bits per second; default 9600. */
    baudRate: Type.Optional(Type.Integer({ minimum: 300, maximum: 4_000_000 })),
    /** Serial only: default none. */
    parity: Type.Optional(Type.Enum(['none', 'even', 'odd'])),
    /** Serial only: default 8 (the RTU standard; 7 for the odd device that insists). */
    dataBits: Type.Optional(Type.Union([Type.Literal(7), Type.Literal(8)], { expected: '7 or 8' })),
    /** Serial only: default 1. */
    stopBits: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2)], { expected: '1 or 2' })),
  },
  { additionalProperties: false },
);
export type ModbusConnection = Static<typeof ModbusConnectionSchema>;

export type ModbusAddress = { transport: 'tcp'; host: string; port: number } | { transport: 'rtu'; path: string };

/** A serial line's settings with the defaults applied. */
export interface ModbusSerialSettings {
  baudRate: number;
  parity: 'none' | 'even' | 'odd';
  dataBits: 7 | 8;
  stopBits: 1 | 2;
}

export function parseModbusUrl(url: string): ModbusAddress {
  if (url.startsWith('rtu:')) {
    const path = url.slice('rtu:'.length).replace(/^\/\//, '');
    if (!path.startsWith('/') || /\s/.test(path)) throw new Error(`not a serial port path: ${url} (expected rtu:/dev/ttyUSB0)`);
    return { transport: 'rtu', path };
  }
  const parsed = new URL(url);
  if (parsed.protocol !== 'tcp:') throw new Error(`not a Modbus url: ${url} (expected tcp://host:port or rtu:/dev/…)`);
  return { transport: 'tcp', host: parsed.hostname.replace(/^\[|\]$/g, ''), port: parsed.port ? Number(parsed.port) : 502 };
}

export function parseModbusTcpUrl(url: string): { host: string; port: number } {
  const address = parseModbusUrl(url);
  if (address.transport !== 'tcp') throw new Error(`not a Modbus TCP url: ${url}`);
  return { host: address.host, port: address.port };
}

export function modbusSerialSettings(connection: ModbusConnection): ModbusSerialSettings {
  return {
    baudRate: connection.baudRate ?? MODBUS_SERIAL_DEFAULTS.baudRate,
    parity: connection.parity ?? MODBUS_SERIAL_DEFAULTS.parity,
    dataBits: connection.dataBits ?? MODBUS_SERIAL_DEFAULTS.dataBits,
    stopBits: connection.stopBits ?? MODBUS_SERIAL_DEFAULTS.stopBits,
  };
}

/** 9600 8N1, as the settings are written on a device's label. */
export function describeModbusSerial(s: ModbusSerialSettings): string {
  return `${s.baudRate} ${s.dataBits}${s.parity[0]!.toUpperCase()}${s.stopBits}`;
}

/**
 * What the schema cannot say about one connection (it has already passed the
 * schema): serial settings on a TCP url would be silently ignored, which hides
 * a mistake (a device moved from a serial port to a gateway, with settings
 * left behind that no longer apply); and on a serial line unit id 0 is the
 * broadcast address, which never answers, and 248–255 are reserved.
 */
export function checkModbusConnection(connection: ModbusConnection): Problem[] {
  const problems: Problem[] = [];
  const address = parseModbusUrl(connection.url);
  if (address.transport === 'tcp') {
    for (const setting of MODBUS_SERIAL_SETTINGS) {
      if (connection[setting] === undefined) continue;
      problems.push({ path: [setting], message: `${setting} applies to serial lines (rtu:/dev/…) only; ${connection.url} is Modbus TCP, where the gateway sets the line` });
    }
  } else if (connection.unitId !== undefined && (connection.unitId < 1 || connection.unitId > 247)) {
    problems.push({ path: ['unitId'], message: `on a serial line a unit id is 1–247 (0 is broadcast and never answers), got ${connection.unitId}` });
  }
  return problems;
}

/**
 * The silence that ends an RTU frame (t3.5): 3.5 character times at the line's
 * speed, where a character is a start bit, the data bits, the parity bit if
 * any and the stop bits. Above 19200 baud the spec fixes it at 1.75 ms, as
 * UARTs and their timers cannot resolve such short gaps reliably.
 */
export function rtuSilenceMs(settings: ModbusSerialSettings): number {
  if (settings.baudRate > 19200) return 1.75;
  const bitsPerCharacter = 1 + settings.dataBits + (settings.parity === 'none' ? 0 : 1) + settings.stopBits;
  return (3.5 * bitsPerCharacter * 1000) / settings.baudRate;
}
