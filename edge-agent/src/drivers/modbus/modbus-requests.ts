import M from 'modbus-serial';
import type { ModbusTable } from '@afferent/device-profiles';

/** modbus-serial's default export is typed wrongly under NodeNext (see DEPENDENCIES.md). */
export const ModbusRTU = M as unknown as typeof M.default;
export type ModbusClient = InstanceType<typeof ModbusRTU>;

/**
 * The Modbus function calls the driver makes, with the unit id passed on
 * every request (one connection serves every unit behind a gateway), as
 * promises.
 */

type Callback<T> = (error: unknown, value: T) => void;
function call<T>(start: (done: Callback<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));
}

/** FC01/02/03/04: registers as numbers, or bits as booleans (exactly `count` of them). */
export async function readTable(client: ModbusClient, unit: number, table: ModbusTable, address: number, count: number): Promise<number[] | boolean[]> {
  switch (table) {
    case 'coil':
      return (await call<{ data: boolean[] }>((done) => client.writeFC1(unit, address, count, done))).data.slice(0, count);
    case 'discrete':
      return (await call<{ data: boolean[] }>((done) => client.writeFC2(unit, address, count, done))).data.slice(0, count);
    case 'holding':
      return (await call<{ data: number[] }>((done) => client.writeFC3(unit, address, count, done))).data;
    case 'input':
      return (await call<{ data: number[] }>((done) => client.writeFC4(unit, address, count, done))).data;
  }
}

/** FC05 for one coil, FC15 for several in a row. */
export async function writeCoils(client: ModbusClient, unit: number, address: number, states: boolean[]): Promise<void> {
  if (states.length === 1) await call((done) => client.writeFC5(unit, address, states[0]!, done));
  else await call((done) => client.writeFC15(unit, address, states, done));
}

/** FC06 for one register, FC16 for a multi-register value. */
export async function writeRegisters(client: ModbusClient, unit: number, address: number, words: number[]): Promise<void> {
  if (words.length === 1) await call((done) => client.writeFC6(unit, address, words[0]!, done));
  else await call((done) => client.writeFC16(unit, address, words, done));
}
