import M from 'modbus-serial';
import type { ModbusTable } from '@afferent/device-profiles';

/** modbus-serial's default export is typed wrongly under NodeNext (see DEPENDENCIES.md). */
export const ModbusRTU = M as unknown as typeof M.default;
export type ModbusClient = InstanceType<typeof ModbusRTU>;

/**
 * Called around every single request on a line. A serial line uses it to keep
 * the silence between frames and to discard what arrived out of turn; TCP
 * needs none.
 */
export interface RequestPacer {
  /** Resolves when the next request may go out. */
  before(): Promise<void>;
  /** The answer arrived, or its wait ended. */
  after(): void;
}

type Callback<T> = (error: unknown, value: T) => void;

/**
 * The Modbus function calls the driver makes to one unit over an open client,
 * as promises. The unit id goes with every request (one connection serves
 * every unit behind a gateway or on a bus), and each request is paced.
 */
export class UnitRequests {
  constructor(
    private readonly client: ModbusClient,
    readonly unitId: number,
    private readonly pacer?: RequestPacer,
  ) {}

  /** FC01/02/03/04: registers as numbers, or bits as booleans (exactly `count` of them). */
  async readTable(table: ModbusTable, address: number, count: number): Promise<number[] | boolean[]> {
    const { client, unitId: unit } = this;
    switch (table) {
      case 'coil':
        return (await this.call<{ data: boolean[] }>((done) => client.writeFC1(unit, address, count, done))).data.slice(0, count);
      case 'discrete':
        return (await this.call<{ data: boolean[] }>((done) => client.writeFC2(unit, address, count, done))).data.slice(0, count);
      case 'holding':
        return (await this.call<{ data: number[] }>((done) => client.writeFC3(unit, address, count, done))).data;
      case 'input':
        return (await this.call<{ data: number[] }>((done) => client.writeFC4(unit, address, count, done))).data;
    }
  }

  /** FC05 for one coil, FC15 for several in a row. */
  async writeCoils(address: number, states: boolean[]): Promise<void> {
    const { client, unitId: unit } = this;
    if (states.length === 1) await this.call((done) => client.writeFC5(unit, address, states[0]!, done));
    else await this.call((done) => client.writeFC15(unit, address, states, done));
  }

  /** FC06 for one register, FC16 for a multi-register value. */
  async writeRegisters(address: number, words: number[]): Promise<void> {
    const { client, unitId: unit } = this;
    if (words.length === 1) await this.call((done) => client.writeFC6(unit, address, words[0]!, done));
    else await this.call((done) => client.writeFC16(unit, address, words, done));
  }

  private async call<T>(start: (done: Callback<T>) => void): Promise<T> {
    await this.pacer?.before();
    try {
      return await new Promise<T>((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));
    } finally {
      this.pacer?.after();
    }
  }
}
