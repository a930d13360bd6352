import type { SimulatedDevice } from '../device/simulated-device.js';
import { deviceFrom, type DeviceSource } from '../device/device-roster.js';
import type { Fault } from '../device/fault.js';
import { FaultTable } from '../device/fault-table.js';
import { MODBUS_EXCEPTION, modbusException } from './modbus-exception.js';
import { ModbusUnit } from './modbus-unit.js';

export type ModbusDeviceSpec = { unitId: number } & DeviceSource;

/** What a fault needs from the transport that carries the requests (TCP socket or serial line). */
export interface ModbusLine {
  /** `drop-connection`: cut every connection (a serial line has none to cut). */
  dropConnections(): void;
  /**
   * `garbage`: put bytes that are not Modbus on the line instead of the answer.
   * A line without it answers normally and garbles the answer itself (RTU
   * corrupts the frame's CRC, as line noise does).
   */
  sendGarbage?(): void;
  /**
   * A request for a unit id nobody serves: behind a TCP gateway it gets
   * exception 0B (gateway target failed to respond); on a serial bus nobody
   * answers at all.
   */
  readonly absentUnits: 'gateway-exception' | 'silence';
}

type Callback = (error: unknown, value?: unknown) => void;

/**
 * The devices one Modbus server serves, one per unit id, with the faults in
 * force, and the function table (vector) modbus-serial's servers call. The
 * TCP and the serial server share one handler module in modbus-serial, so
 * they share this vector too.
 */
export class ModbusUnitTable {
  private readonly units = new Map<number, ModbusUnit>();
  private readonly faults = new FaultTable<number>();

  constructor(specs: readonly ModbusDeviceSpec[]) {
    for (const spec of specs) {
      if (this.units.has(spec.unitId)) throw new Error(`unit id ${spec.unitId} is served twice`);
      this.units.set(spec.unitId, new ModbusUnit(deviceFrom(spec)));
    }
  }

  unit(unitId: number): SimulatedDevice {
    const unit = this.units.get(unitId);
    if (!unit) throw new Error(`no simulated device at unit id ${unitId}`);
    return unit.device;
  }

  get unitIds(): number[] {
    return [...this.units.keys()];
  }

  /** Inject a fault for one unit id, or for every unit when none is given; undefined clears it. */
  setFault(fault: Fault | undefined, unitId?: number): void {
    this.faults.set(fault, unitId);
  }

  /** The fault in force for a unit: its own, else the one for all units. */
  faultOf(unitId: number): Fault | undefined {
    return this.faults.of(unitId);
  }

  /**
   * The function table modbus-serial's servers call. They pick callback or
   * promise style by parameter count, and the multi-register getters must
   * take a callback (four parameters): the handler does not await them.
   */
  vector(line: ModbusLine): object {
    const on = <T>(unitId: number, request: (unit: ModbusUnit) => T) => this.handle(line, unitId, request);
    return {
      getCoil: (address: number, unitId: number) => on(unitId, (u) => u.readBit('coil', address)),
      getDiscreteInput: (address: number, unitId: number) => on(unitId, (u) => u.readBit('discrete', address)),
      getHoldingRegister: (address: number, unitId: number) => on(unitId, (u) => u.readRegisters('holding', address, 1)[0]),
      getInputRegister: (address: number, unitId: number) => on(unitId, (u) => u.readRegisters('input', address, 1)[0]),
      getMultipleHoldingRegisters: (address: number, length: number, unitId: number, done: Callback) =>
        settle(on(unitId, (u) => u.readRegisters('holding', address, length)), done),
      getMultipleInputRegisters: (address: number, length: number, unitId: number, done: Callback) =>
        settle(on(unitId, (u) => u.readRegisters('input', address, length)), done),
      setCoil: (address: number, value: boolean, unitId: number) => on(unitId, (u) => u.writeCoil(address, value)),
      setRegister: (address: number, value: number, unitId: number) => on(unitId, (u) => u.writeRegisters(address, [value])),
      setRegisterArray: (address: number, values: number[], unitId: number) => on(unitId, (u) => u.writeRegisters(address, values)),
    };
  }

  /** Apply the fault in force, then run the request against the unit. */
  private async handle<T>(line: ModbusLine, unitId: number, request: (unit: ModbusUnit) => T): Promise<T> {
    const fault = this.faultOf(unitId);
    // The request is swallowed: modbus-serial's server then sends nothing.
    const never = () => new Promise<T>(() => {});
    switch (fault?.kind) {
      case 'no-answer':
        return never();
      case 'exception':
        throw modbusException(fault.code, 'fault injected');
      case 'drop-connection':
        line.dropConnections();
        return never();
      case 'garbage':
        if (!line.sendGarbage) break;
        line.sendGarbage();
        return never();
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        break;
    }
    const unit = this.units.get(unitId);
    if (unit) return request(unit);
    if (line.absentUnits === 'silence') return never();
    throw modbusException(MODBUS_EXCEPTION.gatewayTargetFailedToRespond, `no unit ${unitId}`);
  }
}

function settle(promise: Promise<unknown>, done: Callback): void {
  // On error the server still indexes the values before it looks at the error: give it an empty list.
  promise.then((value) => done(null, value), (error: unknown) => done(error, []));
}
