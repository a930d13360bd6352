import type { Socket } from 'node:net';
import { freePort } from '../device/free-port.js';
import ModbusSerial from 'modbus-serial';
import type { SimulatedDevice } from '../device/simulated-device.js';
import { deviceFrom, type DeviceSource } from '../device/device-roster.js';
import { GARBAGE, type Fault } from '../device/fault.js';
import { FaultTable } from '../device/fault-table.js';
import { MODBUS_EXCEPTION, modbusException } from './modbus-exception.js';
import { ModbusUnit } from './modbus-unit.js';

// modbus-serial's typings describe a CommonJS default export; at run time the class is on the namespace.
const { ServerTCP } = ModbusSerial as unknown as { ServerTCP: new (vector: object, options: object) => ServerTcpLike };

interface ServerTcpLike {
  socks: Map<Socket, unknown>;
  on(event: 'initialized' | 'serverError' | 'socketError' | 'error', listener: (arg?: unknown) => void): void;
  close(callback: (error?: Error) => void): void;
}

export type ModbusDeviceSpec = { unitId: number } & DeviceSource;

export interface ModbusSimulatorOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  devices: ModbusDeviceSpec[];
}

/**
 * A Modbus TCP server (modbus-serial's ServerTCP) serving simulated devices,
 * one per unit id, with faults on demand. Requests for a unit id it does not
 * serve get exception 0x0B, as from a serial gateway whose slave is silent.
 */
export class ModbusSimulator {
  private readonly units = new Map<number, ModbusUnit>();
  private readonly faults = new FaultTable<number>();
  private server?: ServerTcpLike;
  port = 0;

  private constructor(private readonly host: string) {}

  static async start(options: ModbusSimulatorOptions): Promise<ModbusSimulator> {
    const simulator = new ModbusSimulator(options.host ?? '127.0.0.1');
    for (const spec of options.devices) {
      if (simulator.units.has(spec.unitId)) throw new Error(`unit id ${spec.unitId} is served twice`);
      simulator.units.set(spec.unitId, new ModbusUnit(deviceFrom(spec)));
    }
    await simulator.listen(options.port ?? 0);
    return simulator;
  }

  get url(): string {
    return `tcp://${this.host}:${this.port}`;
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
    if (fault?.kind === 'drop-connection' && unitId === undefined) this.dropConnections();
  }

  /** Stop listening and drop every connection, as a device losing power would. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async listen(port: number): Promise<void> {
    const vector = this.vector();
    // ServerTCP reads port 0 as "use 502", so a free port is found first.
    const server = new ServerTCP(vector, { host: this.host, port: port || (await freePort(this.host)), unitID: 255 });
    // A client that resets its connection must not take the simulator down.
    server.on('socketError', () => {});
    server.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      server.on('initialized', () => resolve());
      server.on('serverError', (error) => reject(error as Error));
    });
    this.server = server;
    const address = (server as unknown as { _server: { address(): { port: number } } })._server.address();
    this.port = address.port;
  }

  private dropConnections(): void {
    for (const socket of this.server?.socks.keys() ?? []) socket.destroy();
  }

  /** Apply the fault in force, then run the request against the unit. */
  private async handle<T>(unitId: number, request: (unit: ModbusUnit) => T): Promise<T> {
    const fault = this.faults.of(unitId);
    if (fault) {
      switch (fault.kind) {
        case 'no-answer':
          return new Promise<T>(() => {});
        case 'exception':
          throw modbusException(fault.code, 'fault injected');
        case 'drop-connection':
          this.dropConnections();
          return new Promise<T>(() => {});
        case 'garbage':
          for (const socket of this.server?.socks.keys() ?? []) socket.write(GARBAGE);
          return new Promise<T>(() => {});
        case 'delay':
          await new Promise((resolve) => setTimeout(resolve, fault.ms));
          break;
      }
    }
    const unit = this.units.get(unitId);
    if (!unit) throw modbusException(MODBUS_EXCEPTION.gatewayTargetFailedToRespond, `no unit ${unitId}`);
    return request(unit);
  }

  /** The function table modbus-serial's server calls; it picks callback or promise style by parameter count. */
  private vector(): object {
    return {
      getCoil: (address: number, unitId: number) => this.handle(unitId, (u) => u.readBit('coil', address)),
      getDiscreteInput: (address: number, unitId: number) => this.handle(unitId, (u) => u.readBit('discrete', address)),
      getHoldingRegister: (address: number, unitId: number) => this.handle(unitId, (u) => u.readRegisters('holding', address, 1)[0]),
      getInputRegister: (address: number, unitId: number) => this.handle(unitId, (u) => u.readRegisters('input', address, 1)[0]),
      // The multi-register getters must take a callback (four parameters): the server does not await them.
      getMultipleHoldingRegisters: (address: number, length: number, unitId: number, done: Callback) =>
        settle(this.handle(unitId, (u) => u.readRegisters('holding', address, length)), done),
      getMultipleInputRegisters: (address: number, length: number, unitId: number, done: Callback) =>
        settle(this.handle(unitId, (u) => u.readRegisters('input', address, length)), done),
      setCoil: (address: number, value: boolean, unitId: number) => this.handle(unitId, (u) => u.writeCoil(address, value)),
      setRegister: (address: number, value: number, unitId: number) => this.handle(unitId, (u) => u.writeRegisters(address, [value])),
      setRegisterArray: (address: number, values: number[], unitId: number) => this.handle(unitId, (u) => u.writeRegisters(address, values)),
    };
  }
}

type Callback = (error: unknown, value?: unknown) => void;

function settle(promise: Promise<unknown>, done: Callback): void {
  // On error the server still indexes the values before it looks at the error: give it an empty list.
  promise.then((value) => done(null, value), (error: unknown) => done(error, []));
}

export function startModbusSimulator(options: ModbusSimulatorOptions): Promise<ModbusSimulator> {
  return ModbusSimulator.start(options);
}
