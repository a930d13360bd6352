import type { Fault } from '../device/fault.js';
import type { SimulatedDevice } from '../device/simulated-device.js';
import type { ModbusLine, ModbusUnitTable } from './modbus-unit-table.js';

/** What every Modbus simulator offers, whatever carries its requests (TCP or a serial line). */
export abstract class ModbusServerBase {
  protected constructor(protected readonly table: ModbusUnitTable) {}

  /** Where a client finds it: `tcp://host:port` or `rtu:/dev/…`. */
  abstract get url(): string;

  /** The transport's share of the faults. */
  protected abstract readonly line: ModbusLine;

  abstract close(): Promise<void>;

  unit(unitId: number): SimulatedDevice {
    return this.table.unit(unitId);
  }

  get unitIds(): number[] {
    return this.table.unitIds;
  }

  /** Inject a fault for one unit id, or for every unit when none is given; undefined clears it. */
  setFault(fault: Fault | undefined, unitId?: number): void {
    this.table.setFault(fault, unitId);
    // A device that drops off as a whole does so now, not at its next request.
    if (fault?.kind === 'drop-connection' && unitId === undefined) this.line.dropConnections();
  }
}
