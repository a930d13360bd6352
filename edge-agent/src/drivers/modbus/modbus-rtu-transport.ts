import type { Logger } from 'pino';
import { rtuSilenceMs, type ModbusSerialSettings } from '@afferent/device-profiles';
import type { ModbusClient } from './modbus-requests.js';
import { newClient, type ModbusTransport } from './modbus-transport.js';
import { RtuPacer } from './rtu-pacer.js';

/**
 * Modbus RTU on a local serial port, through modbus-serial's
 * connectRTUBuffered: it frames answers by their expected length (from the
 * request), checks the CRC, and has one transaction in flight at a time. The
 * port is closed (not destroyed: its RTUBufferedPort has no destroy, and a
 * port left open keeps its lock, so it could not be opened again).
 */
export function rtuTransport(path: string, settings: ModbusSerialSettings, log?: Logger): ModbusTransport {
  const url = `rtu:${path}`;
  const silenceMs = rtuSilenceMs(settings);
  return {
    url,
    garbleLosesStream: false,
    closedBy: 'serial port closed (unplugged, or its driver gone)',
    async open() {
      const client = newClient(url, log);
      // A fresh object: the port adds its own options to the one it is given.
      await client.connectRTUBuffered(path, { ...settings });
      return client;
    },
    async close(client) {
      // Closing a port that is already gone answers "not open" to the callback: closed all the same.
      await new Promise<void>((resolve) => client.close(() => resolve()));
    },
    pacer(client) {
      return new RtuPacer(silenceMs, () => discardStaleInput(client));
    },
  };
}

/**
 * modbus-serial 8's RTUBufferedPort keeps every byte it received in `_buffer`
 * until a frame for the current request matches, and has no public way to
 * clear it. Stale bytes there could match the next request's unit and
 * function code and be taken for its answer.
 */
function discardStaleInput(client: ModbusClient): void {
  const port = (client as unknown as { _port?: { _buffer?: unknown } })._port;
  if (port && Buffer.isBuffer(port._buffer)) port._buffer = Buffer.alloc(0);
}
