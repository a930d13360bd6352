import type { Logger } from 'pino';
import type { Protocol } from '@afferent/device-profiles';
import type { Driver } from './driver.js';
import { createModbusDriver } from './modbus/modbus-driver.js';

export type DriverFactory = (options: { log?: Logger }) => Driver;

/**
 * Every driver the agent has, by protocol: one explicit table, nothing
 * registered by side effect. Profiles exist for protocols this agent has no
 * driver for yet; the config check refuses devices that would need one.
 */
export const DRIVER_TABLE: Partial<Record<Protocol, DriverFactory>> = {
  modbus: createModbusDriver,
};
