import type { Logger } from 'pino';
import { parseDuration, parseModbusTcpUrl, type ModbusConnection as ConnectionSettings } from '@afferent/device-profiles';
import { DriverError, type DeviceTarget, type Driver } from '../driver.js';
import { ModbusConnection } from './modbus-connection.js';
import { ModbusSession } from './modbus-session.js';

export const MODBUS_DEFAULT_TIMEOUT_MS = 1000;
export const MODBUS_DEFAULT_UNIT_ID = 1;

export interface ModbusDriverOptions {
  log?: Logger;
}

/**
 * The Modbus TCP driver. Devices at the same host:port share one connection
 * (a serial gateway with many units behind it); each connection has its own
 * queue, so a dead device never delays devices on other connections.
 */
export function createModbusDriver(options: ModbusDriverOptions = {}): Driver {
  const connections = new Map<string, { connection: ModbusConnection; sessions: number }>();

  const acquire = (host: string, port: number): ModbusConnection => {
    const key = `${host}:${port}`;
    let entry = connections.get(key);
    if (!entry) connections.set(key, (entry = { connection: new ModbusConnection(host, port, options.log), sessions: 0 }));
    entry.sessions++;
    return entry.connection;
  };
  const release = async (host: string, port: number): Promise<void> => {
    const key = `${host}:${port}`;
    const entry = connections.get(key);
    if (!entry || --entry.sessions > 0) return;
    connections.delete(key);
    await entry.connection.close();
  };

  return {
    protocol: 'modbus',
    open(target: DeviceTarget) {
      const settings = target.instance.connection as ConnectionSettings;
      let address: { host: string; port: number };
      try {
        address = parseModbusTcpUrl(settings.url);
      } catch (error) {
        throw new DriverError('unreachable', `${target.instance.id}: ${(error as Error).message}`);
      }
      const connection = acquire(address.host, address.port);
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
          await release(address.host, address.port);
        },
      );
    },
    async close() {
      const all = [...connections.values()];
      connections.clear();
      await Promise.all(all.map((entry) => entry.connection.close()));
    },
  };
}
