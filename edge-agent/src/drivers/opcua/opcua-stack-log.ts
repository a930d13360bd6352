import { format } from 'node:util';
import type { Logger } from 'pino';
import { setErrorLogger, setWarningLogger } from 'node-opcua';

/**
 * node-opcua prints its warnings and errors on stdout, where the agent's
 * commands print their answers (`run` promises one ready line and nothing
 * else). Until a driver routes them to the agent's log they go to stderr.
 * The stack's loggers are process-wide.
 *
 * One is dropped: W27, printed on every start under Node 20, warns that RSA
 * PKCS#1 v1.5 decryption is off (CVE-2023-46809). Only Basic128Rsa15 uses
 * it, a policy the agent does not offer.
 */
const toStderr = (data?: unknown, ...rest: unknown[]) => {
  const text = format(data, ...rest);
  if (!/NODE-OPCUA-W27|CVE-2023-46809/.test(text)) process.stderr.write(`${text}\n`);
};
setWarningLogger(toStderr);
setErrorLogger(toStderr);

/** The stack's messages (a late answer to a timed-out request, a certificate hint) are diagnostics: debug level. */
export function routeStackLogs(log: Logger): void {
  const toLog = (data?: unknown, ...rest: unknown[]) => log.debug({ component: 'node-opcua' }, format(data, ...rest).trim());
  setWarningLogger(toLog);
  setErrorLogger(toLog);
}
