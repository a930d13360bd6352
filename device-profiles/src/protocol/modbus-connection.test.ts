import { describe, expect, it } from 'vitest';
import { formatProblem } from '../validation/problem.js';
import { checkDeviceInstance } from '../instance/instance-check.js';
import { loadProfileLibrary } from '../profile/profile-loader.js';
import { modbusSerialSettings, parseModbusTcpUrl, parseModbusUrl, rtuSilenceMs } from './modbus-connection.js';

const profile = loadProfileLibrary().profiles.get('xy-md02')!;
const problemsOf = (connection: Record<string, unknown>) =>
  checkDeviceInstance({ id: 'th-1', profile: 'xy-md02', connection }, profile).map(formatProblem);

describe('Modbus connection', () => {
  it('parses TCP and serial urls', () => {
    expect(parseModbusUrl('tcp://10.0.0.5:1502')).toEqual({ transport: 'tcp', host: '10.0.0.5', port: 1502 });
    expect(parseModbusUrl('tcp://[::1]')).toEqual({ transport: 'tcp', host: '::1', port: 502 });
    expect(parseModbusUrl('rtu:/dev/ttyUSB0')).toEqual({ transport: 'rtu', path: '/dev/ttyUSB0' });
    expect(parseModbusUrl('rtu:///dev/serial/by-id/usb-FTDI_FT232R-if00-port0')).toEqual({ transport: 'rtu', path: '/dev/serial/by-id/usb-FTDI_FT232R-if00-port0' });
    expect(() => parseModbusUrl('rtu:ttyUSB0')).toThrow(/not a serial port path: rtu:ttyUSB0/);
    expect(() => parseModbusUrl('udp://10.0.0.5')).toThrow(/not a Modbus url/);
    expect(parseModbusTcpUrl('tcp://h:502')).toEqual({ host: 'h', port: 502 });
    expect(() => parseModbusTcpUrl('rtu:/dev/ttyS0')).toThrow(/not a Modbus TCP url/);
  });

  it('accepts serial settings on an rtu url, and applies the 9600 8N1 defaults', () => {
    expect(problemsOf({ url: 'rtu:/dev/ttyUSB0', unitId: 7, baudRate: 19200, parity: 'even', dataBits: 8, stopBits: 1, timeout: '300ms' })).toEqual([]);
    expect(problemsOf({ url: 'rtu:///dev/ttyAMA0' })).toEqual([]);
    expect(modbusSerialSettings({ url: 'rtu:/dev/ttyUSB0', parity: 'odd' })).toEqual({ baudRate: 9600, parity: 'odd', dataBits: 8, stopBits: 1 });
  });

  it('says what is wrong with a serial setting', () => {
    expect(problemsOf({ url: 'rtu:/dev/ttyUSB0', baudRate: 12.5, parity: 'mark', dataBits: 6, stopBits: 1.5 })).toEqual([
      'connection.baudRate: expected an integer 300–4000000, got 12.5',
      'connection.parity: expected one of none, even, odd, got "mark"',
      'connection.dataBits: expected 7 or 8, got 6',
      'connection.stopBits: expected 1 or 2, got 1.5',
    ]);
    expect(problemsOf({ url: 'serial:/dev/ttyUSB0' })).toEqual([
      'connection.url: expected a Modbus address such as tcp://192.168.1.20:502 or rtu:/dev/ttyUSB0, got "serial:/dev/ttyUSB0"',
    ]);
  });

  it('refuses serial settings on a TCP url, where the gateway sets the line', () => {
    expect(problemsOf({ url: 'tcp://10.0.0.5:502', baudRate: 9600, parity: 'even' })).toEqual([
      'connection.baudRate: baudRate applies to serial lines (rtu:/dev/…) only; tcp://10.0.0.5:502 is Modbus TCP, where the gateway sets the line',
      'connection.parity: parity applies to serial lines (rtu:/dev/…) only; tcp://10.0.0.5:502 is Modbus TCP, where the gateway sets the line',
    ]);
  });

  it('refuses the broadcast and reserved unit ids on a serial line, not behind TCP', () => {
    expect(problemsOf({ url: 'rtu:/dev/ttyUSB0', unitId: 0 })).toEqual([
      'connection.unitId: on a serial line a unit id is 1–247 (0 is broadcast and never answers), got 0',
    ]);
    expect(problemsOf({ url: 'rtu:/dev/ttyUSB0', unitId: 248 })).toHaveLength(1);
    // Modbus TCP devices commonly answer on unit 0 or 255.
    expect(problemsOf({ url: 'tcp://10.0.0.5:502', unitId: 255 })).toEqual([]);
  });

  it('times the end of an RTU frame at 3.5 characters, and 1.75 ms above 19200 baud', () => {
    // 9600 8E1: 11 bits a character, 3.5 × 11 / 9600 s.
    expect(rtuSilenceMs({ baudRate: 9600, parity: 'even', dataBits: 8, stopBits: 1 })).toBeCloseTo(4.0104, 3);
    expect(rtuSilenceMs({ baudRate: 9600, parity: 'none', dataBits: 8, stopBits: 1 })).toBeCloseTo(3.6458, 3);
    expect(rtuSilenceMs({ baudRate: 19200, parity: 'none', dataBits: 8, stopBits: 2 })).toBeCloseTo(2.0052, 3);
    expect(rtuSilenceMs({ baudRate: 115200, parity: 'none', dataBits: 8, stopBits: 1 })).toBe(1.75);
  });
});
