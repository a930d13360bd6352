import {
  isBitTable, modbusLocation,
  type ModbusRaw, type ModbusWrite, type ProfilePoint,
} from '@afferent/device-profiles';
import { DriverError, type DeviceSession, type DeviceTarget, type RawReadResult, type RawWrite } from '../driver.js';
import type { ModbusConnection } from './modbus-connection.js';
import type { UnitRequests } from './modbus-requests.js';
import { planReads, type PlacedPoint, type ReadBlock } from './read-planner.js';

export interface ModbusSessionSettings {
  unitId: number;
  timeoutMs: number;
}

/**
 * One device (one unit id) on a shared connection. Reads follow the read
 * plan; when a block read gets a Modbus exception, its points are read one by
 * one so that one bad point does not fail the others.
 */
export class ModbusSession implements DeviceSession {
  private readonly plans = new Map<string, ReadBlock[]>();
  private readonly where: string;

  constructor(
    private readonly target: DeviceTarget,
    private readonly connection: ModbusConnection,
    private readonly settings: ModbusSessionSettings,
    private readonly release: () => Promise<void>,
  ) {
    this.where = `${target.instance.id} (${connection.url} unit ${settings.unitId})`;
  }

  async read(points: readonly ProfilePoint[]): Promise<RawReadResult> {
    const results: RawReadResult = new Map();
    for (const block of this.plan(points)) {
      try {
        const data = await this.readBlock(block);
        for (const member of block.points) results.set(member.point.name, { raw: pick(block, member, data) });
      } catch (error) {
        const failure = asDriverError(error);
        // No answer or no connection: the device is down, and every further block would wait for it too.
        if (failure.kind === 'unreachable' || failure.kind === 'timeout') throw failure;
        if (failure.kind === 'device' && block.points.length > 1) await this.readOneByOne(block, results);
        else for (const member of block.points) results.set(member.point.name, { error: failure });
      }
    }
    return results;
  }

  async write(writes: readonly RawWrite[]): Promise<void> {
    for (let i = 0; i < writes.length; ) {
      const coils = this.coilRun(writes, i);
      if (coils) {
        await this.exchange('write', (unit) => unit.writeCoils(coils.address, coils.states));
        i += coils.states.length;
        continue;
      }
      await this.writeOne(writes[i]!);
      i++;
    }
  }

  async close(): Promise<void> {
    await this.release();
  }

  private async writeOne({ point, raw }: RawWrite): Promise<void> {
    const location = modbusLocation(this.target.profile, point);
    const value = raw as ModbusWrite;
    if (location.table === 'holding' && 'words' in value && value.words.length === location.count) {
      await this.exchange(`write ${point.name}`, (unit) => unit.writeRegisters(location.address, value.words));
    } else if (location.table === 'holding' && 'maskedBit' in value) {
      const mask = 1 << value.maskedBit.bit;
      // Read-modify-write in one exchange: nothing else on the line runs between the read and the write.
      await this.exchange(`write ${point.name}`, async (unit) => {
        const [current] = (await unit.readTable('holding', location.address, 1)) as number[];
        const next = value.maskedBit.value ? current! | mask : current! & ~mask & 0xffff;
        await unit.writeRegisters(location.address, [next]);
      });
    } else if (location.table === 'coil' && 'bit' in value) {
      await this.exchange(`write ${point.name}`, (unit) => unit.writeCoils(location.address, [value.bit]));
    } else {
      throw new DriverError('protocol', `${this.where}: cannot write ${JSON.stringify(raw)} to point ${point.name} (${location.table} ${location.address})`);
    }
  }

  /** Coil writes at consecutive addresses, starting at writes[from], become one FC15. */
  private coilRun(writes: readonly RawWrite[], from: number): { address: number; states: boolean[] } | undefined {
    const states: boolean[] = [];
    let address = -1;
    for (let i = from; i < writes.length; i++) {
      const { point, raw } = writes[i]!;
      const location = modbusLocation(this.target.profile, point);
      const value = raw as ModbusWrite;
      if (location.table !== 'coil' || !('bit' in value)) break;
      if (states.length === 0) address = location.address;
      else if (location.address !== address + states.length) break;
      states.push(value.bit);
    }
    return states.length > 1 ? { address, states } : undefined;
  }

  private async readOneByOne(block: ReadBlock, results: RawReadResult): Promise<void> {
    for (const member of block.points) {
      const single: ReadBlock = { table: block.table, address: member.location.address, count: member.location.count, points: [member] };
      try {
        results.set(member.point.name, { raw: pick(single, member, await this.readBlock(single)) });
      } catch (error) {
        const failure = asDriverError(error);
        if (failure.kind === 'unreachable' || failure.kind === 'timeout') throw failure;
        results.set(member.point.name, { error: failure });
      }
    }
  }

  private readBlock(block: ReadBlock): Promise<number[] | boolean[]> {
    const what = `read ${block.table} ${block.address}+${block.count}`;
    return this.exchange(what, (unit) => unit.readTable(block.table, block.address, block.count));
  }

  private async exchange<T>(what: string, run: (unit: UnitRequests) => Promise<T>): Promise<T> {
    try {
      return await this.connection.run(this.settings.unitId, this.settings.timeoutMs, run);
    } catch (error) {
      const failure = asDriverError(error);
      // Name the device and the request; the connection only knows host and port.
      throw new DriverError(failure.kind, `${this.where} ${what}: ${failure.message.replace(`${this.connection.url}: `, '')}`, failure.code);
    }
  }

  /** The plan for a set of points is fixed for a profile: make it once. */
  private plan(points: readonly ProfilePoint[]): ReadBlock[] {
    const key = points.map((p) => p.name).join('\n');
    let plan = this.plans.get(key);
    if (!plan) this.plans.set(key, (plan = planReads(this.target.profile, points)));
    return plan;
  }
}

/** A point's own registers (or bit) out of a block's answer. */
function pick(block: ReadBlock, member: PlacedPoint, data: number[] | boolean[]): ModbusRaw {
  const offset = member.location.address - block.address;
  if (isBitTable(block.table)) return { bit: Boolean(data[offset]) };
  return { words: (data as number[]).slice(offset, offset + member.location.count) };
}

function asDriverError(error: unknown): DriverError {
  return error instanceof DriverError ? error : new DriverError('protocol', String((error as Error)?.message ?? error));
}
