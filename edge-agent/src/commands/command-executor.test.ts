import { describe, expect, it } from 'vitest';
import { loadProfileLibrary, type Command } from '@afferent/device-profiles';
import { DriverError } from '../drivers/driver.js';
import { MemorySession } from '../test-support/memory-session.js';
import { executeCommand } from './command-executor.js';

// An OPC UA profile over an in-memory session: the executor knows no protocol, only the driver contract and the codecs.
const profile = loadProfileLibrary().profiles.get('opcua-boiler')!;
const target = { profile, instance: { id: 'boiler-1', profile: profile.profile, connection: {} } };

function run(write: Command['write'], session: MemorySession, extra: Partial<Command> = {}) {
  const command: Command = { id: 'c', device: 'boiler-1', write, expires: Date.now() + 5000, readback: true, ...extra };
  const steps: string[] = [];
  const outcome = executeCommand(command, {
    target, session, signal: new AbortController().signal, retry: { minMs: 5, maxMs: 20 }, starting: () => steps.push('starting'),
  });
  return { outcome, steps };
}

describe('executing a command', () => {
  it('writes the encoded values in order and confirms them read back (an enum written as a number reads back as its label)', async () => {
    const session = new MemorySession();
    const { outcome, steps } = run({ level_setpoint: 512.5, mode: 2 }, session);
    expect(await outcome).toEqual({ status: 'succeeded', readback: { level_setpoint: 512.5, mode: 'automatic' } });
    expect(session.writes.map((w) => [w.point.name, w.raw])).toEqual([['level_setpoint', 512.5], ['mode', 2]]);
    expect(steps).toEqual(['starting']);
  });

  it('fails when the device holds something else than was written, with what it read', async () => {
    const session = new MemorySession();
    session.alter = (point, raw) => (point === 'level_setpoint' ? 500 : raw);
    expect(await run({ level_setpoint: 512.5, mode: 'manual' }, session).outcome).toEqual({
      status: 'failed', error: 'written, but read back level_setpoint = 500, expected 512.5', readback: { level_setpoint: 500, mode: 'manual' },
    });
  });

  it('reports the device\'s error with its code, and does not ask again', async () => {
    const session = new MemorySession();
    session.failWrites = [new DriverError('device', 'boiler-1 write mode: BadUserAccessDenied', 'BadUserAccessDenied')];
    expect(await run({ mode: 'off' }, session).outcome).toEqual({ status: 'failed', error: 'boiler-1 write mode: BadUserAccessDenied', code: 'BadUserAccessDenied' });
    expect(session.writes).toEqual([]);
  });

  it('tries an unreachable device again, and goes on when it answers', async () => {
    const session = new MemorySession();
    session.failWrites = [new DriverError('unreachable', 'connection refused'), new DriverError('timeout', 'no answer in time')];
    expect((await run({ mode: 'off' }, session).outcome).status).toBe('succeeded');
  });

  it('says when it wrote but could not read back', async () => {
    const session = new MemorySession();
    session.failReads = new DriverError('device', 'boiler-1 read: BadNodeIdUnknown', 'BadNodeIdUnknown');
    expect(await run({ mode: 'off' }, session).outcome).toEqual({ status: 'failed', error: 'boiler-1 read: BadNodeIdUnknown', code: 'BadNodeIdUnknown' });
    expect(session.writes).toHaveLength(1);
  });

  it('never starts after the command expired', async () => {
    const session = new MemorySession();
    const { outcome, steps } = run({ mode: 'off' }, session, { expires: Date.now() - 1 });
    expect(await outcome).toMatchObject({ status: 'expired', error: expect.stringMatching(/ms before the device could be written$/) });
    expect(steps).toEqual([]);
    expect(session.writes).toEqual([]);
  });
});
