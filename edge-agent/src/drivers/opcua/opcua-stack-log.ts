import { format } from 'node:util';
import type { Logger } from 'pino';
import { setErrorLogger, setWarningLogger } from 'node-opcua';

/**
 * node-opcua prints its warnings and errors on stdout, where the agent
 * promises one ready line and nothing else. Its messages (a late answer to a
 * timed-out request, a certificate hint) are diagnostics for us: they go to
 * the agent's log at debug level. The stack's loggers are process-wide.
 */
export function routeStackLogs(log: Logger): void {
  const toLog = (data?: unknown, ...rest: unknown[]) => log.debug({ component: 'node-opcua' }, format(data, ...rest).trim());
  setWarningLogger(toLog);
  setErrorLogger(toLog);
}
