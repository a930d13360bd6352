import { afterEach, describe, expect, it } from 'vitest';
import { commandStack, type CommandStack, type CommandView } from './command-stack.js';
import { waitFor } from '@afferent/testkit';

let stack: CommandStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function online(): Promise<CommandStack> {
  stack = await commandStack();
  await stack.startAgent();
  return stack;
}

/** How many times the simulated sensor (unit 1) was written, per point. */
const writesTo = (s: CommandStack, point: string) => s.sim.unit(1).writeLog.filter((w) => w.point === point).length;

/** Read an SSE stream until `done` says so. */
async function readEvents(response: Response, done: (events: { event: string; data: { data: CommandView } }[]) => boolean) {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: { event: string; data: { data: CommandView } }[] = [];
  let text = '';
  while (!done(events)) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    text += value;
    for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
    }
  }
  await reader.cancel();
  return events;
}

describe('commands, hub to device and back', () => {
  it('writes, reads back, confirms, and streams every step as a command event', async () => {
    const s = await online();
    const stream = await fetch(`${s.hub.apiUrl}/api/v1/events?types=command&device=th-1`, { headers: { authorization: `Bearer ${s.tokens.viewer}` } });
    const events = readEvents(stream, (seen) => seen.some((e) => e.data.data.status === 'succeeded'));
    await waitFor('the event stream to listen', () => s.hub.bus.hasListeners('command'));

    const { status, body } = await s.write('th-1', { write: { temperature_correction: -1.5, baud_rate: '14400' } });
    expect(status).toBe(202);
    const done = await s.settled(body.id, 'succeeded');
    expect(done.readbackValues).toEqual({ temperature_correction: -1.5, baud_rate: '14400' });
    expect(done.history.map((h) => `${h.status}/${h.by}`)).toEqual(['queued/ops-anna', 'sent/hub', 'delivered/gateway', 'succeeded/gateway']);
    expect(s.sim.unit(1).get('temperature_correction')).toBe(-1.5);
    expect(s.sim.unit(1).get('baud_rate')).toBe('14400');

    const streamed = await events;
    expect(streamed.every((e) => e.event === 'command' && e.data.data.id === body.id)).toBe(true);
    expect(streamed.map((e) => e.data.data.status)).toEqual(['sent', 'delivered', 'succeeded']);
  });

  it('answers 400 for a value out of range and sends nothing; a viewer gets 403', async () => {
    const s = await online();
    const refused = await s.write('th-1', { write: { temperature_correction: 12.5 } });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ error: { code: 'invalid_value', message: 'point temperature_correction: 12.5 is above the maximum 10' } });
    const viewer = await s.api('POST', '/api/v1/devices/th-1/commands', { write: { temperature_correction: 1 } }, s.tokens.viewer);
    expect(viewer.status).toBe(403);
    // A valid command after them, through the same path: once it is done, anything sent before it would have arrived.
    const valid = await s.write('th-1', { write: { humidity_correction: 1 } });
    await s.settled(valid.body.id, 'succeeded');
    expect(writesTo(s, 'temperature_correction')).toBe(0);
    expect(s.sim.unit(1).writes).toBe(1);
  });

  it('reports a device exception as failed, with the device\'s message and code', async () => {
    const s = await online();
    s.sim.setFault({ kind: 'exception', code: 2 }, 1);
    const { body } = await s.write('th-1', { write: { humidity_correction: 1 } });
    const failed = await s.settled(body.id, 'failed');
    expect(failed.errorCode).toBe(2);
    expect(failed.error).toMatch(/write humidity_correction: Modbus exception 2 \(illegal data address\)$/);
  });

  it('queues commands while the gateway is offline and delivers them in order when it is back', async () => {
    const s = await online();
    await s.stopAgent();
    const ids: string[] = [];
    for (const value of [1, 2, 3]) {
      const { status, body } = await s.write('th-1', { write: { humidity_correction: value } });
      expect([status, body.status]).toEqual([202, 'queued']);
      ids.push(body.id);
    }
    await s.startAgent();
    for (const id of ids) await s.settled(id, 'succeeded');
    expect(s.sim.unit(1).writeLog.map((w) => w.value)).toEqual([1, 2, 3]);
  });

  it('expires a command not delivered in time and never runs it, even after the gateway reconnects', async () => {
    const s = await online();
    await s.stopAgent();
    const late = await s.write('th-1', { write: { temperature_correction: 5 }, expiresIn: '300ms' });
    const expired = await s.settled(late.body.id, 'expired');
    expect(expired.error).toBe('not delivered to gateway gw-1 before it expired');
    await s.startAgent();
    const after = await s.write('th-1', { write: { humidity_correction: 1 } });
    await s.settled(after.body.id, 'succeeded');
    expect(writesTo(s, 'temperature_correction')).toBe(0);
    expect((await s.api('GET', `/api/v1/commands/${late.body.id}`)).body.status).toBe('expired');
  });

  it('writes once for a repeated idempotency key', async () => {
    const s = await online();
    const body = { write: { do4: true }, idempotencyKey: 'open-relay-4' };
    const first = await s.write('io-1', body);
    const again = await s.write('io-1', body);
    expect(again.body.id).toBe(first.body.id);
    await s.settled(first.body.id, 'succeeded');
    const later = await s.write('io-1', body);
    expect([later.status, later.body.id, later.body.status]).toEqual([200, first.body.id, 'succeeded']);
    expect(s.sim.unit(2).writeLog.filter((w) => w.point === 'do4')).toHaveLength(1);
  });

  it('cancels a command before it is delivered: it never reaches the device', async () => {
    const s = await online();
    await s.stopAgent();
    const { body } = await s.write('th-1', { write: { temperature_correction: 3 } });
    const cancelled = await s.api('POST', `/api/v1/commands/${body.id}/cancel`);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', history: [{ status: 'queued' }, { status: 'cancelled', by: 'ops-anna' }] });
    await s.startAgent();
    const after = await s.write('th-1', { write: { humidity_correction: 2 } });
    await s.settled(after.body.id, 'succeeded');
    expect(writesTo(s, 'temperature_correction')).toBe(0);
  });
});
