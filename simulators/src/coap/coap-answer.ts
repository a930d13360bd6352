import type { PayloadFormat } from '@afferent/device-profiles';
import { GARBAGE, type Fault } from '../device/fault.js';
import { MODBUS_EXCEPTION } from '../modbus/modbus-exception.js';

/** A CoAP response: code, and the Content-Format of the payload when it is a representation. */
export interface CoapAnswer {
  code: string;
  format?: PayloadFormat;
  payload: Buffer;
}

/** An error response with a diagnostic payload (RFC 7252 §5.5.2: UTF-8 text, no Content-Format). */
export function diagnostic(code: string, message: string): CoapAnswer {
  return { code, payload: Buffer.from(message) };
}

/**
 * An injected exception's code is read in the Fault schema's common
 * vocabulary (Modbus exception codes, as scenarios write them) and answered
 * with the CoAP code that means the same; anything else is 5.00.
 */
const EXCEPTION_CODES: Record<number, string> = {
  [MODBUS_EXCEPTION.illegalFunction]: '4.05', // Method Not Allowed
  [MODBUS_EXCEPTION.illegalDataAddress]: '4.04', // Not Found
  [MODBUS_EXCEPTION.illegalDataValue]: '4.00', // Bad Request
  [MODBUS_EXCEPTION.serverDeviceFailure]: '5.00', // Internal Server Error
  [MODBUS_EXCEPTION.serverDeviceBusy]: '5.03', // Service Unavailable
  [MODBUS_EXCEPTION.gatewayPathUnavailable]: '5.02', // Bad Gateway
  [MODBUS_EXCEPTION.gatewayTargetFailedToRespond]: '5.04', // Gateway Timeout
};

export function exceptionCode(code: number): string {
  return EXCEPTION_CODES[code] ?? '5.00';
}

/**
 * What a faulty device answers instead of the real thing: undefined when it
 * stays silent (no-answer, drop-connection), an answer otherwise. `delay` is
 * not handled here: the caller waits, then answers normally.
 */
export function faultAnswer(fault: Exclude<Fault, { kind: 'delay' }>, format: PayloadFormat): CoapAnswer | undefined {
  switch (fault.kind) {
    case 'no-answer':
    case 'drop-connection':
      return undefined;
    case 'exception':
      return diagnostic(exceptionCode(fault.code), `fault injected: exception ${fault.code}`);
    case 'garbage':
      return { code: '2.05', format, payload: GARBAGE };
  }
}
