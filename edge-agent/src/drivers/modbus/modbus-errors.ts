import { DriverError } from '../driver.js';

/** The standard Modbus exception codes, as a field engineer would look them up. */
const EXCEPTIONS: Record<number, string> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'server device failure',
  5: 'acknowledge',
  6: 'server device busy',
  8: 'memory parity error',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

/** Exceptions where a gateway says the unit behind it cannot be reached: the whole device is down, not one point. */
export const GATEWAY_EXCEPTIONS: ReadonlySet<number> = new Set([10, 11]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN',
  'ENETDOWN', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EADDRNOTAVAIL',
]);

interface ModbusSerialError {
  name?: string;
  message?: string;
  modbusCode?: number;
  code?: string;
  errno?: string | number;
}

/**
 * What modbus-serial throws, as a DriverError. Its errors are not all Error
 * instances (a transaction timeout is a plain object with errno ETIMEDOUT),
 * so they are told apart by their fields.
 */
export function toDriverError(error: unknown, where: string): DriverError {
  if (error instanceof DriverError) return error;
  const e = (error ?? {}) as ModbusSerialError;
  if (typeof e.modbusCode === 'number') {
    const code = e.modbusCode;
    const kind = GATEWAY_EXCEPTIONS.has(code) ? 'unreachable' : 'device';
    return new DriverError(kind, `${where}: Modbus exception ${code} (${EXCEPTIONS[code] ?? 'unknown exception'})`, code);
  }
  if (e.name === 'TransactionTimedOutError') return new DriverError('timeout', `${where}: no answer in time`);
  const code = typeof e.code === 'string' ? e.code : typeof e.errno === 'string' ? e.errno : undefined;
  const message = e.message ?? String(error);
  if ((code && NETWORK_CODES.has(code)) || /Port Not Open|Connection Timed Out/i.test(message)) {
    return new DriverError('unreachable', `${where}: ${message}`);
  }
  return new DriverError('protocol', `${where}: ${message}`);
}
