import { afterEach, describe, expect, it } from 'vitest';
import type { HubEvent } from '../bus/hub-events.js';
import { apiFixture, type ApiFixture } from '../test-support/api-fixture.js';
import { waitFor } from '@afferent/testkit';
import type { CommandRecord } from './command-record.js';

let api: ApiFixture;
afterEach(() => api.close());

async function setUp(resultTimeoutMs?: number): Promise<void> {
  api = await apiFixture(resultTimeoutMs === undefined ? {} : { resultTimeoutMs });
  await api.registry.gateways.create('gw-1', 'default');
  await api.registry.gateways.create('gw-2', 'default');
  api.registry.devices.claim('gw-1', { id: 'th-1', profile: 'xy-md02', profileVersion: 1, protocol: 'modbus' });
}

const submit = async (expiresIn: string | number = '60s') =>
  (await api.commands.submit('th-1', { write: { humidity_correction: 1.5 }, expiresIn }, 'test operator')).record;
const statusOf = (id: string) => api.commands.get(id)!.status;
const steps = (record: CommandRecord) => record.history.map((s) => `${s.status}/${s.by}`);

describe('command lifecycle at the hub', () => {
  it('follows the gateway\'s reports to the outcome, keeping the device\'s error and code, and publishes every change', async () => {
    await setUp();
    const events: HubEvent[] = [];
    api.bus.subscribe((event) => events.push(event), ['command']);
    api.listening.add('gw-1');
    const ok = await submit();
    api.commands.report('gw-1', { id: ok.id, status: 'delivered', t: 1 });
    api.commands.report('gw-1', { id: ok.id, status: 'succeeded', t: 2, readback: { humidity_correction: 1.5 } });
    expect(api.commands.get(ok.id)).toMatchObject({ status: 'succeeded', readbackValues: { humidity_correction: 1.5 } });
    expect(steps(api.commands.get(ok.id)!)).toEqual(['queued/test operator', 'sent/hub', 'delivered/gateway', 'succeeded/gateway']);
    expect(events.map((e) => `${e.device}:${(e.data as CommandRecord).status}`)).toEqual(['th-1:sent', 'th-1:delivered', 'th-1:succeeded']);

    const bad = await submit();
    const error = 'th-1 (tcp://127.0.0.1:502 unit 1) write humidity_correction: Modbus exception 2 (illegal data address)';
    api.commands.report('gw-1', { id: bad.id, status: 'failed', t: 3, error, code: 2 });
    expect(api.commands.get(bad.id)).toMatchObject({ status: 'failed', error, errorCode: 2 });
  });

  it('ignores repeated reports, unknown ids and reports from a gateway the command was not sent to', async () => {
    await setUp();
    api.listening.add('gw-1');
    const record = await submit();
    api.commands.report('gw-2', { id: record.id, status: 'succeeded', t: 1 });
    api.commands.report('gw-1', { id: 'never-sent', status: 'succeeded', t: 1 });
    expect(statusOf(record.id)).toBe('sent');
    api.commands.report('gw-1', { id: record.id, status: 'rejected', t: 2, error: 'no' });
    api.commands.report('gw-1', { id: record.id, status: 'delivered', t: 3 });
    api.commands.report('gw-1', { id: record.id, status: 'succeeded', t: 4 });
    expect(api.commands.get(record.id)).toMatchObject({ status: 'rejected', error: 'no' });
    expect(await api.metrics.rejectedMessages.get()).toMatchObject({ values: [{ labels: { kind: 'cmd-result' }, value: 2 }] });
  });

  it('expires a command that was not delivered in time, and never sends it afterwards', async () => {
    await setUp();
    const record = await submit(150);
    await waitFor('the hub to expire the command', () => statusOf(record.id) === 'expired');
    expect(api.commands.get(record.id)).toMatchObject({ error: 'not delivered to gateway gw-1 before it expired', history: [{ status: 'queued' }, { status: 'expired', by: 'hub' }] });
    api.listening.add('gw-1');
    api.commands.gatewayReady('gw-1');
    expect(api.published).toEqual([]);
  });

  it('times out a delivered command without an outcome, and takes a late outcome over its own verdicts', async () => {
    await setUp(100);
    api.listening.add('gw-1');
    const silent = await submit(150);
    api.commands.report('gw-1', { id: silent.id, status: 'delivered', t: 1 });
    await waitFor('the hub to time the command out', () => statusOf(silent.id) === 'timed-out');
    expect(api.commands.get(silent.id)!.error).toBe('delivered, but gateway gw-1 sent no outcome within 100 ms after expiry');
    api.commands.report('gw-1', { id: silent.id, status: 'succeeded', t: 2, readback: { humidity_correction: 1.5 } });
    expect(api.commands.get(silent.id)).toEqual(expect.objectContaining({ status: 'succeeded', readbackValues: { humidity_correction: 1.5 } }));
    expect(api.commands.get(silent.id)!.error).toBeUndefined();

    // Sent, then expired at the hub while the gateway was cut off; the gateway had it in time after all.
    const late = await submit(150);
    await waitFor('the hub to expire the sent command', () => statusOf(late.id) === 'expired');
    api.commands.report('gw-1', { id: late.id, status: 'delivered', t: 3 });
    api.commands.report('gw-1', { id: late.id, status: 'succeeded', t: 4 });
    expect(steps(api.commands.get(late.id)!)).toEqual(['queued/test operator', 'sent/hub', 'expired/hub', 'delivered/gateway', 'succeeded/gateway']);
  });

  it('sends a command whose gateway began to listen while the command was being committed', async () => {
    await setUp();
    const submitting = submit();
    api.listening.add('gw-1');
    api.commands.gatewayReady('gw-1');
    const record = await submitting;
    expect(record.status).toBe('sent');
    expect(api.published.map((p) => p.command.id)).toEqual([record.id]);
  });

  it('sends every open command again when the gateway listens again, in submission order', async () => {
    await setUp();
    api.listening.add('gw-1');
    const first = await submit();
    const second = await submit();
    api.commands.report('gw-1', { id: second.id, status: 'delivered', t: 1 });
    api.listening.delete('gw-1');
    const third = await submit();
    const done = await submit();
    api.commands.cancel(done.id, 'test operator');
    api.listening.add('gw-1');
    api.commands.gatewayReady('gw-1');
    expect(api.published.map((p) => p.command.id)).toEqual([first.id, second.id, first.id, second.id, third.id]);
    expect([statusOf(first.id), statusOf(second.id), statusOf(third.id)]).toEqual(['sent', 'delivered', 'sent']);
  });
});
