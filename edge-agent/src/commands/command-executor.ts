import {
  POINT_CODECS, isReadable,
  type Command, type CommandResult, type PointValue, type ProfilePoint,
} from '@afferent/device-profiles';
import { DriverError, type DeviceSession, type DeviceTarget, type RawReadResult, type RawWrite } from '../drivers/driver.js';
import { expectedReadback, readbackMatches } from './readback-check.js';

/** A device that does not answer is tried again after min, doubling up to max, while the command has not expired. */
export const RETRY_DEFAULTS = { minMs: 100, maxMs: 2000 } as const;

export type Outcome = Omit<CommandResult, 'id' | 't'>;

export interface ExecutionContext {
  target: DeviceTarget;
  /** The device's session: the same one its poller reads through. */
  session: DeviceSession;
  /** Called just before the first write attempt. */
  starting(): void;
  /** Aborted when the agent stops: no further attempts. */
  signal: AbortSignal;
  retry?: { minMs: number; maxMs: number };
  now?: () => number;
}

/** The device could not be reached before the command expired, or before the agent stopped. */
class GaveUp extends Error {
  constructor(readonly last: DriverError, readonly attempts: number, readonly stopped: boolean) {
    super(last.message);
  }
}

/**
 * Carries out one checked command on its device, whatever the protocol: the
 * profile's codecs encode the values, the driver writes them in order, and,
 * when asked, reads the points back and compares. Never starts after the
 * command's `expires`; an unreachable device is retried until then.
 */
export async function executeCommand(command: Command, context: ExecutionContext): Promise<Outcome> {
  const now = context.now ?? Date.now;
  if (now() > command.expires) {
    return { status: 'expired', error: `expired ${now() - command.expires} ms before the device could be written` };
  }
  const { profile } = context.target;
  const points = Object.keys(command.write).map((name) => profile.points.find((p) => p.name === name)!);
  const writes: RawWrite[] = points.map((point) => ({ point, raw: POINT_CODECS[profile.protocol].encode(profile, point, command.write[point.name]) }));
  context.starting();
  try {
    await withRetries(() => context.session.write(writes), command.expires, context);
  } catch (error) {
    return failure('write', error);
  }
  if (!command.readback) return { status: 'succeeded' };
  const readable = points.filter(isReadable);
  if (readable.length === 0) return { status: 'succeeded' };
  try {
    return compare(command, readable, await withRetries(() => context.session.read(readable), command.expires, context), context);
  } catch (error) {
    return failure('read back', error);
  }
}

function compare(command: Command, points: readonly ProfilePoint[], results: RawReadResult, context: ExecutionContext): Outcome {
  const { profile } = context.target;
  const readback: Record<string, PointValue> = {};
  const problems: string[] = [];
  let code: number | string | undefined;
  for (const point of points) {
    const result = results.get(point.name);
    if (!result || 'error' in result) {
      problems.push(`could not read back ${point.name}: ${result?.error.message ?? 'no answer for it'}`);
      code ??= result?.error.code;
      continue;
    }
    let actual: PointValue;
    try {
      actual = POINT_CODECS[profile.protocol].decode(profile, point, result.raw);
    } catch (error) {
      problems.push(`could not decode ${point.name} read back: ${(error as Error).message}`);
      continue;
    }
    readback[point.name] = actual;
    const expected = expectedReadback(point, command.write[point.name]!);
    if (!readbackMatches(point, expected, actual)) problems.push(`read back ${point.name} = ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
  if (problems.length === 0) return { status: 'succeeded', readback };
  return {
    status: 'failed',
    error: `written, but ${problems.join('; ')}`,
    ...(code === undefined ? {} : { code }),
    ...(Object.keys(readback).length > 0 ? { readback } : {}),
  };
}

function failure(what: string, error: unknown): Outcome {
  if (error instanceof GaveUp) {
    const until = error.stopped ? 'the agent stopped' : 'the command expired';
    const maybe = error.last.kind === 'timeout' && what === 'write' ? ' (the device may have applied the write)' : '';
    return { status: 'failed', error: `device unreachable until ${until}, ${error.attempts} attempts to ${what}${maybe}: ${error.last.message}` };
  }
  if (error instanceof DriverError) return { status: 'failed', error: error.message, ...(error.code === undefined ? {} : { code: error.code }) };
  return { status: 'failed', error: `${what}: ${(error as Error)?.message ?? String(error)}` };
}

/** No answer or no connection: the device may be back in a moment. Its own errors (an exception) will not change by asking again. */
const RETRYABLE = new Set<DriverError['kind']>(['unreachable', 'timeout']);

/** Run `attempt` until it succeeds, fails for a reason retrying cannot fix, or `deadline` passes: the last try starts at it, never after. */
async function withRetries<T>(attempt: () => Promise<T>, deadline: number, context: ExecutionContext): Promise<T> {
  const now = context.now ?? Date.now;
  const { minMs, maxMs } = context.retry ?? RETRY_DEFAULTS;
  for (let attempts = 1; ; attempts++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof DriverError) || !RETRYABLE.has(error.kind)) throw error;
      const wait = Math.min(minMs * 2 ** (attempts - 1), maxMs, deadline - now());
      if (context.signal.aborted || wait <= 0) throw new GaveUp(error, attempts, context.signal.aborted);
      await sleep(wait, context.signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
