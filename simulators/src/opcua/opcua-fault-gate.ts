import { StatusCodes, type StatusCode } from 'node-opcua';
import type { FaultTable } from '../device/fault-table.js';
import type { TimerSet } from '../device/timer-set.js';
import { MODBUS_EXCEPTION } from '../modbus/modbus-exception.js';

/**
 * An injected exception's code, read in the Fault schema's common vocabulary
 * (Modbus exception codes, as scenarios write them), as the OPC UA status
 * that means the same; anything else is BadDeviceFailure.
 */
const EXCEPTION_STATUS: Record<number, StatusCode> = {
  [MODBUS_EXCEPTION.illegalFunction]: StatusCodes.BadNotSupported,
  [MODBUS_EXCEPTION.illegalDataAddress]: StatusCodes.BadNodeIdUnknown,
  [MODBUS_EXCEPTION.illegalDataValue]: StatusCodes.BadOutOfRange,
  [MODBUS_EXCEPTION.serverDeviceFailure]: StatusCodes.BadDeviceFailure,
  [MODBUS_EXCEPTION.serverDeviceBusy]: StatusCodes.BadResourceUnavailable,
  [MODBUS_EXCEPTION.gatewayPathUnavailable]: StatusCodes.BadNoCommunication,
  [MODBUS_EXCEPTION.gatewayTargetFailedToRespond]: StatusCodes.BadNoCommunication,
};

export function exceptionStatus(code: number): StatusCode {
  return EXCEPTION_STATUS[code] ?? StatusCodes.BadDeviceFailure;
}

/**
 * Every read, sample and write of a device's variables passes the gate,
 * which applies the device's fault: `no-answer` holds the operation until
 * the fault changes (a client's Read times out, subscriptions fall silent),
 * `drop-connection` also cuts every client channel, `exception` and `garbage`
 * answer a Bad status, `delay` answers late.
 */
export class FaultGate {
  private held: (() => void)[] = [];

  constructor(
    private readonly faults: FaultTable<string>,
    private readonly timers: TimerSet,
    private readonly dropChannels: () => void,
  ) {}

  pass(deviceId: string, proceed: () => void, fail: (status: StatusCode) => void): void {
    const fault = this.faults.of(deviceId);
    switch (fault?.kind) {
      case undefined:
        return proceed();
      case 'delay':
        return this.timers.after(fault.ms, proceed);
      case 'exception':
        return fail(exceptionStatus(fault.code));
      case 'garbage':
        // OPC UA's binary encoding is checked by the stack: what a client meets is undecodable data.
        return fail(StatusCodes.BadDecodingError);
      case 'drop-connection':
        this.dropChannels();
        this.hold(deviceId, proceed, fail);
        return;
      case 'no-answer':
        return this.hold(deviceId, proceed, fail);
    }
  }

  /** The faults changed: held operations try again (and answer, unless still held). */
  release(): void {
    const held = this.held;
    this.held = [];
    for (const retry of held) retry();
  }

  /** Forget held operations: the server is going away and nobody will get an answer. */
  clear(): void {
    this.held = [];
  }

  private hold(deviceId: string, proceed: () => void, fail: (status: StatusCode) => void): void {
    this.held.push(() => this.pass(deviceId, proceed, fail));
  }
}
