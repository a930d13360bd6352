import { afterEach, describe, expect, it } from 'vitest';
import { decodeWire, loadProfileLibrary, type Command, type CommandResult } from '@afferent/device-profiles';
import { MemorySession } from '../test-support/memory-session.js';
import { tempDirs } from '../test-support/temp-dir.js';
import { waitFor } from '@afferent/testkit';
import { AgentCommands } from './agent-commands.js';
import { CommandJournal } from './command-journal.js';

const profile = loadProfileLibrary().profiles.get('opcua-boiler')!;
const dirs = tempDirs();
const journals: CommandJournal[] = [];
afterEach(() => {
  for (const journal of journals.splice(0)) journal.close();
  dirs.cleanup();
});

function open(dir: string): CommandJournal {
  const journal = new CommandJournal(dir);
  journals.push(journal);
  return journal;
}

function commands(journal: CommandJournal, session: MemorySession) {
  const devices = new Map([['boiler-1', { session, target: { profile, instance: { id: 'boiler-1', profile: profile.profile, connection: {} } } }]]);
  return new AgentCommands({ gatewayId: 'gw-1', journal, devices, unavailable: new Map() });
}

/** A link that hands results to `sent`, or fails every publish while `down`. */
function link(agent: AgentCommands) {
  const sent: CommandResult[] = [];
  const state = { down: false };
  agent.link((_topic, payload, done) => {
    if (state.down) return done(new Error('link lost'));
    const decoded = decodeWire('cmd-result', payload);
    if (decoded.ok) sent.push(decoded.value);
    done();
  });
  return { sent, state };
}

const command = (id: string, mode: string): Command => ({ id, device: 'boiler-1', write: { mode }, expires: Date.now() + 10_000, readback: false });

describe('the command journal across a restart', () => {
  it('reports a command cut off while writing as failed, never writes it again, and runs the ones that had not started', async () => {
    const dir = dirs.make();
    const before = open(dir);
    before.accept(command('cut-off', 'manual'), { id: 'cut-off', status: 'delivered', t: 1 });
    before.started('cut-off');
    before.accept(command('waiting', 'automatic'), { id: 'waiting', status: 'delivered', t: 2 });
    before.close();

    const session = new MemorySession();
    const agent = commands(open(dir), session);
    const { sent } = link(agent);
    agent.start();
    await waitFor('the waiting command to run', () => sent.some((r) => r.id === 'waiting' && r.status === 'succeeded'));
    expect(session.writes.map((w) => w.raw)).toEqual([2]);
    expect(sent.map((r) => `${r.id}:${r.status}`)).toEqual(['cut-off:delivered', 'waiting:delivered', 'cut-off:failed', 'waiting:succeeded']);
    expect(sent[2]!.error).toBe('the agent restarted while writing: the device may or may not have applied the command');
  });

  it('keeps results the link could not carry, and sends them on the next link', async () => {
    const journal = open(dirs.make());
    const agent = commands(journal, new MemorySession());
    const first = link(agent);
    first.state.down = true;
    agent.message('cmd', Buffer.from(JSON.stringify(command('c-1', 'off'))));
    await waitFor('the command to finish', () => journal.lookup('c-1')?.state === 'done');
    expect(first.sent).toEqual([]);
    const second = link(agent);
    expect(second.sent.map((r) => r.status)).toEqual(['delivered', 'succeeded']);
    expect(journal.unsent()).toEqual([]);
  });
});
