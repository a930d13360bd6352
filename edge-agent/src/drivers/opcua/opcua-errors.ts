import type { StatusCode } from 'node-opcua';
import { DriverError, type DriverErrorKind } from '../driver.js';

/** Bad statuses that say the server cannot reach the device (or us), not that one node is wrong. */
const UNREACHABLE = new Set([
  'BadNoCommunication', 'BadServerNotConnected', 'BadSessionClosed', 'BadSessionIdInvalid', 'BadSecureChannelClosed',
  'BadConnectionClosed', 'BadCommunicationError', 'BadNotConnected', 'BadServerHalted', 'BadShutdown',
  'BadDisconnect', 'BadConnectionRejected', 'BadTcpServerTooBusy', 'BadTooManySessions',
]);
const TIMEOUT = new Set(['BadTimeout', 'BadRequestTimeout', 'BadWaitingForResponse']);

function kindOf(name: string): DriverErrorKind {
  if (UNREACHABLE.has(name)) return 'unreachable';
  if (TIMEOUT.has(name)) return 'timeout';
  if (name === 'BadDecodingError' || name === 'BadEncodingError' || name === 'BadUnexpectedError') return 'protocol';
  return 'device';
}

/** A Bad status of one node: `code` is the status name (BadNodeIdUnknown, BadOutOfRange, …). */
export function statusError(where: string, status: StatusCode): DriverError {
  const name = status.name;
  return new DriverError(kindOf(name), `${where}: ${name}${status.description ? ` (${status.description})` : ''}`, name);
}

/**
 * What node-opcua threw, as a DriverError. Its errors are plain Errors
 * whose message names a status or a socket error, so they are told apart by
 * that text.
 */
export function toDriverError(error: unknown, where: string): DriverError {
  if (error instanceof DriverError) return error;
  const message = String((error as Error)?.message ?? error).split('\n')[0]!.trim();
  const status = /\b(Bad[A-Za-z]+)\b/.exec(message)?.[1];
  if (status) return new DriverError(kindOf(status), `${where}: ${message}`, status);
  if (/timed? ?out|timeout/i.test(message)) return new DriverError('timeout', `${where}: ${message}`);
  if (/ECONN|EHOST|ENET|ENOTFOUND|EAI_AGAIN|EPIPE|socket|closed|disconnect|connect/i.test(message)) {
    return new DriverError('unreachable', `${where}: ${message}`);
  }
  return new DriverError('protocol', `${where}: ${message}`);
}

/** Errors after which the connection is not worth keeping. */
export function losesConnection(error: DriverError): boolean {
  return error.kind === 'unreachable' && error.code !== 'BadNoCommunication';
}
