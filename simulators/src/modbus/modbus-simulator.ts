import type { Socket } from 'node:net';
import ModbusSerial from 'modbus-serial';
import { freePort } from '../device/free-port.js';
import { GARBAGE } from '../device/fault.js';
import { ModbusServerBase } from './modbus-server-base.js';
import { ModbusUnitTable, type ModbusDeviceSpec, type ModbusLine } from './modbus-unit-table.js';

export type { ModbusDeviceSpec } from './modbus-unit-table.js';

// modbus-serial's typings describe a CommonJS default export; at run time the class is on the namespace.
const { ServerTCP } = ModbusSerial as unknown as { ServerTCP: new (vector: object, options: object) => ServerTcpLike };

interface ServerTcpLike {
  socks: Map<Socket, unknown>;
  on(event: 'initialized' | 'serverError' | 'socketError' | 'error', listener: (arg?: unknown) => void): void;
  close(callback: (error?: Error) => void): void;
}

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
export class ModbusSimulator extends ModbusServerBase {
  private server?: ServerTcpLike;
  port = 0;

  protected readonly line: ModbusLine = {
    absentUnits: 'gateway-exception',
    dropConnections: () => {
      for (const socket of this.server?.socks.keys() ?? []) socket.destroy();
    },
    sendGarbage: () => {
      for (const socket of this.server?.socks.keys() ?? []) socket.write(GARBAGE);
    },
  };

  private constructor(
    private readonly host: string,
    table: ModbusUnitTable,
  ) {
    super(table);
  }

  static async start(options: ModbusSimulatorOptions): Promise<ModbusSimulator> {
    const simulator = new ModbusSimulator(options.host ?? '127.0.0.1', new ModbusUnitTable(options.devices));
    await simulator.listen(options.port ?? 0);
    return simulator;
  }

  get url(): string {
    return `tcp://${this.host}:${this.port}`;
  }

  /** Stop listening and drop every connection, as a device losing power would. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async listen(port: number): Promise<void> {
    // ServerTCP reads port 0 as "use 502", so a free port is found first.
    const server = new ServerTCP(this.table.vector(this.line), { host: this.host, port: port || (await freePort(this.host)), unitID: 255 });
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
}

export function startModbusSimulator(options: ModbusSimulatorOptions): Promise<ModbusSimulator> {
  return ModbusSimulator.start(options);
}
