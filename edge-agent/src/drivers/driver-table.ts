import type { Logger } from 'pino';
import type { Protocol } from '@afferent/device-profiles';
import type { Driver } from './driver.js';
import { observesPoint } from './coap/coap-mode.js';
import { lazyDriver } from './lazy-driver.js';
import { pushesPoint } from './opcua/opcua-mode.js';

/** What every driver may use: the agent's log, and its data folder (the OPC UA PKI lives there). */
export type DriverFactory = (options: { log?: Logger; dataDir: string }) => Driver;

/**
 * Every driver the agent has, by protocol: one explicit table, nothing
 * registered by side effect. The config check refuses a device whose
 * protocol has no row here. Each driver's library is loaded only when a
 * device needs it: on a gateway every megabyte counts (node-opcua alone is
 * about 60 MB, coap and modbus-serial 12–15 MB each).
 */
export const DRIVER_TABLE: Partial<Record<Protocol, DriverFactory>> = {
  modbus: (options) => lazyDriver('modbus', async () => (await import('./modbus/modbus-driver.js')).createModbusDriver(options), () => false),
  opcua: (options) => lazyDriver('opcua', async () => (await import('./opcua/opcua-driver.js')).createOpcuaDriver(options), pushesPoint),
  coap: (options) => lazyDriver('coap', async () => (await import('./coap/coap-driver.js')).createCoapDriver(), observesPoint),
  mqtt: (options) => lazyDriver('mqtt', async () => (await import('./mqtt/mqtt-driver.js')).createMqttDriver(options), (_profile, point) => point.mqtt !== undefined),
};
