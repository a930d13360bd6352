import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config/hub-config.js';

export type { Logger } from 'pino';

/**
 * Redaction is a safety net, not the plan: the hub never passes a token,
 * password or secret to the logger. If one slips into a request or an object
 * under these names, it is censored rather than written.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  'password',
  'secret',
  'token',
  '*.password',
  '*.secret',
  '*.token',
];

/** JSON lines on stdout. */
export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    base: { service: 'afferent-hub' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
