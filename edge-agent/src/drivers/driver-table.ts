import type { Logger } from 'pino';
import type { Protocol } from '@afferent/device-profiles';
import type { Driver } from './driver.js';
import { createCoapDriver } from './coap/coap-driver.js';
import { createModbusDriver } from './modbus/modbus-driver.js';
import { createMqttDriver } from './mqtt/mqtt-driver.js';
import { lazyDriver } from './lazy-driver.js';
import { pushesPoint } from './opcua/opcua-mode.js';

/** What every driver may use: the agent's log, and its data folder (the OPC UA PKI lives there). */
export type DriverFactory = (options: { log?: Logger; dataDir: string }) => Driver;

/**
 * Every driver the agent has, by protocol: one explicit table, nothing
 * registered by side effect. The config check refuses a device whose
 * protocol has no row here.
 */
export const DRIVER_TABLE: Partial<Record<Protocol, DriverFactory>> = {
  modbus: createModbusDriver,
  opcua: (options) => lazyDriver('opcua', async () => (await import('./opcua/opcua-driver.js')).createOpcuaDriver(options), pushesPoint),
  coap: createCoapDriver,
  mqtt: createMqttDriver,
};
