import type { Logger } from 'pino';
import {
  describeModbusSerial, modbusSerialSettings, parseDuration, parseModbusUrl,
  type ModbusConnection as ConnectionSettings, type ModbusSerialSettings,
} from '@afferent/device-profiles';
import { DriverError, type DeviceTarget, type Driver } from '../driver.js';
import { ModbusConnection } from './modbus-connection.js';
import { rtuTransport } from './modbus-rtu-transport.js';
import { ModbusSession } from './modbus-session.js';
import { tcpTransport, type ModbusTransport } from './modbus-transport.js';
import type { QuarantinePolicy } from './unit-quarantine.js';

export const MODBUS_DEFAULT_TIMEOUT_MS = 1000;
export const MODBUS_DEFAULT_UNIT_ID = 1;

export interface ModbusDriverOptions {
  log?: Logger;
  /** When a silent unit is skipped; default DEFAULT_QUARANTINE. */
  quarantine?: QuarantinePolicy;
}

interface Line {
  connection: ModbusConnection;
  sessions: number;
  /** The serial settings the port was opened with (RTU only). */
  serial?: ModbusSerialSettings;
}

/**
 * The Modbus driver, TCP and RTU. Devices on the same line share one
 * connection and its queue: the same host:port (a serial gateway with many
 * units behind it), or the same serial port (a bus). Lines are independent,
 * so a dead device never delays devices on other lines.
 */
export function createModbusDriver(options: ModbusDriverOptions = {}): Driver {
  const lines = new Map<string, Line>();
  const connectionOptions = { ...(options.log ? { log: options.log } : {}), ...(options.quarantine ? { quarantine: options.quarantine } : {}) };

  const acquire = (deviceId: string, settings: ConnectionSettings): Line => {
    const { transport, serial } = transportOf(deviceId, settings, options.log);
    let line = lines.get(transport.url);
    if (!line) lines.set(transport.url, (line = { connection: new ModbusConnection(transport, connectionOptions), sessions: 0, ...(serial ? { serial } : {}) }));
    else if (serial && !sameSerial(serial, line.serial!)) {
      // One port has one speed and framing; the config check refuses this before it gets here.
      throw new DriverError('protocol', `${deviceId}: ${transport.url} is already open at ${describeModbusSerial(line.serial!)}, not ${describeModbusSerial(serial)}`);
    }
    line.sessions++;
    return line;
  };
  const release = async (url: string): Promise<void> => {
    const line = lines.get(url);
    if (!line || --line.sessions > 0) return;
    lines.delete(url);
    await line.connection.close();
  };

  return {
    protocol: 'modbus',
    open(target: DeviceTarget) {
      const settings = target.instance.connection as ConnectionSettings;
      const { connection } = acquire(target.instance.id, settings);
      let released = false;
      return new ModbusSession(
        target,
        connection,
        {
          unitId: settings.unitId ?? MODBUS_DEFAULT_UNIT_ID,
          timeoutMs: settings.timeout ? parseDuration(settings.timeout) : MODBUS_DEFAULT_TIMEOUT_MS,
        },
        async () => {
          if (released) return;
          released = true;
          await release(connection.url);
        },
      );
    },
    async close() {
      const all = [...lines.values()];
      lines.clear();
      await Promise.all(all.map((line) => line.connection.close()));
    },
  };
}

/** The transport a connection's url names; the serial settings too for a serial port. */
export function transportOf(deviceId: string, settings: ConnectionSettings, log?: Logger): { transport: ModbusTransport; serial?: ModbusSerialSettings } {
  let address: ReturnType<typeof parseModbusUrl>;
  try {
    address = parseModbusUrl(settings.url);
  } catch (error) {
    throw new DriverError('unreachable', `${deviceId}: ${(error as Error).message}`);
  }
  if (address.transport === 'tcp') return { transport: tcpTransport(address.host, address.port, log) };
  const serial = modbusSerialSettings(settings);
  return { transport: rtuTransport(address.path, serial, log), serial };
}

function sameSerial(a: ModbusSerialSettings, b: ModbusSerialSettings): boolean {
  return a.baudRate === b.baudRate && a.parity === b.parity && a.dataBits === b.dataBits && a.stopBits === b.stopBits;
}
