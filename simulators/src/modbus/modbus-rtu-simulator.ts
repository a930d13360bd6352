import ModbusSerial from 'modbus-serial';
import { MODBUS_SERIAL_DEFAULTS, rtuSilenceMs, type ModbusSerialSettings } from '@afferent/device-profiles';
import { ModbusServerBase } from './modbus-server-base.js';
import { ModbusUnitTable, type ModbusDeviceSpec, type ModbusLine } from './modbus-unit-table.js';

// modbus-serial's typings describe a CommonJS default export; at run time the class is on the namespace.
const { ServerSerial } = ModbusSerial as unknown as {
  ServerSerial: new (vector: object, options: object, serialportOptions: object) => ServerSerialLike;
};

interface SerialPortLike {
  readonly isOpen: boolean;
  write(data: Buffer): boolean;
  on(event: 'error' | 'close', listener: (error?: Error) => void): void;
}

interface ServerSerialLike {
  getPort(): SerialPortLike;
  on(event: 'initialized' | 'socketError' | 'error', listener: (arg?: unknown) => void): void;
  close(callback: (error?: Error | null) => void): void;
}

export interface ModbusRtuSimulatorOptions extends Partial<ModbusSerialSettings> {
  /** The serial port (or one end of a pty pair, see startPtyPair). */
  path: string;
  devices: ModbusDeviceSpec[];
  /**
   * The silence after which the bytes received so far are one request: the
   * line's t3.5, but at least 10 ms, because a pty hands bytes over in bursts
   * without pacing them at the baud rate and timers are not that precise.
   */
  frameGapMs?: number;
}

/*
 * What modbus-serial 8's ServerSerial does (servers/serverserial.js), and how
 * this file deals with it:
 * - it answers through the TCP server's handler module, so the vector and its
 *   callback-or-promise quirks are the TCP simulator's (ModbusUnitTable);
 * - a request is whatever arrived before a silence of `interval` ms (30 by
 *   default): the frame gap, set here from the line's t3.5;
 * - it overwrites a request's CRC with the one it computes before checking
 *   it, so a corrupted request is answered rather than ignored: clients that
 *   test CRC handling must do it on answers (the `garbage` fault);
 * - it sets no 'error' listener on its SerialPort, and an error with no
 *   listener kills the process: one is added here, and open errors go to
 *   `openCallback`;
 * - answers go through `options.portResponse.write` when given: the hook for
 *   garbling them.
 */

/**
 * A Modbus RTU server (modbus-serial's ServerSerial) on a serial port,
 * serving simulated devices, one per unit id, with the same faults as the TCP
 * simulator. As on a real bus, a unit id nobody serves does not answer;
 * `garbage` answers a frame with a broken CRC (line noise); a serial line has
 * no connection to drop, so `drop-connection` leaves the request unanswered.
 */
export class ModbusRtuSimulator extends ModbusServerBase {
  private server?: ServerSerialLike;

  protected readonly line: ModbusLine = {
    absentUnits: 'silence',
    dropConnections: () => {},
  };

  private constructor(
    readonly path: string,
    readonly settings: ModbusSerialSettings,
    table: ModbusUnitTable,
  ) {
    super(table);
  }

  static async start(options: ModbusRtuSimulatorOptions): Promise<ModbusRtuSimulator> {
    const settings: ModbusSerialSettings = {
      baudRate: options.baudRate ?? MODBUS_SERIAL_DEFAULTS.baudRate,
      parity: options.parity ?? MODBUS_SERIAL_DEFAULTS.parity,
      dataBits: options.dataBits ?? MODBUS_SERIAL_DEFAULTS.dataBits,
      stopBits: options.stopBits ?? MODBUS_SERIAL_DEFAULTS.stopBits,
    };
    const simulator = new ModbusRtuSimulator(options.path, settings, new ModbusUnitTable(options.devices));
    await simulator.open(options.frameGapMs ?? Math.max(10, Math.ceil(rtuSilenceMs(settings))));
    return simulator;
  }

  get url(): string {
    return `rtu:${this.path}`;
  }

  /** Close the port, as a device losing power would. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    // A port that already vanished (the pty pair was unplugged) answers "not open": closed all the same.
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async open(frameGapMs: number): Promise<void> {
    const { baudRate, parity, dataBits, stopBits } = this.settings;
    let server!: ServerSerialLike;
    await new Promise<void>((resolve, reject) => {
      server = new ServerSerial(
        this.table.vector(this.line),
        {
          path: this.path, baudRate, parity, unitID: 255, interval: frameGapMs,
          // Every answer passes here, so `garbage` can corrupt the frame on its way out.
          portResponse: { write: (frame: Buffer) => this.send(frame) },
          // Without it a port that cannot be opened is an 'error' event nobody hears, and the process dies.
          openCallback: (error: Error | null) => error && reject(new Error(`cannot open ${this.path}: ${error.message}`)),
        },
        { dataBits, stopBits },
      );
      server.on('initialized', () => resolve());
    });
    // A vanishing port (a pulled adapter, an unplugged pty pair) must not take the simulator down.
    server.getPort().on('error', () => {});
    server.on('socketError', () => {});
    server.on('error', () => {});
    this.server = server;
  }

  private send(frame: Buffer): void {
    const port = this.server?.getPort();
    if (!port?.isOpen) return;
    const unitId = frame[0]!;
    if (this.table.faultOf(unitId)?.kind === 'garbage') {
      frame = Buffer.from(frame);
      frame[frame.length - 1]! ^= 0xff;
    }
    port.write(frame);
  }
}

export function startModbusRtuSimulator(options: ModbusRtuSimulatorOptions): Promise<ModbusRtuSimulator> {
  return ModbusRtuSimulator.start(options);
}
