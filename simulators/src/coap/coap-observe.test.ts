import { afterEach, describe, expect, it } from 'vitest';
import { POINT_CODECS, loadProfileLibrary } from '@afferent/device-profiles';
import { waitFor } from '@afferent/testkit';
import { startCoapSimulator, type CoapSimulator } from './coap-simulator.js';
import { CoapTestClient, type CoapReply } from './test-support/coap-client.js';

const envSenml = loadProfileLibrary().profiles.get('coap-env-senml')!;
const temperatureOf = (reply: CoapReply) =>
  POINT_CODECS.coap.decode(envSenml, envSenml.points[0]!, { payload: reply.payload, ...(reply.format && { format: reply.format }) });

let simulator: CoapSimulator | undefined;
let client: CoapTestClient | undefined;
afterEach(async () => {
  client?.close();
  client = undefined;
  await simulator?.close();
  simulator = undefined;
});

async function observeEnv(): Promise<{ sim: CoapSimulator; replies: CoapReply[]; stop: (eager?: boolean) => void }> {
  simulator = await startCoapSimulator({ devices: [{ id: 'node-1', profile: envSenml }] });
  simulator.device().set('temperature', 20);
  client = new CoapTestClient(simulator.url);
  const replies: CoapReply[] = [];
  const stream = await client.observe('/env', (reply) => replies.push(reply));
  await waitFor('the first notification', () => replies.length > 0);
  return { sim: simulator, replies, stop: (eager) => stream.close(eager) };
}

describe('CoAP observe (RFC 7641)', () => {
  it('notifies observers when a value changes, and when a write changes it', async () => {
    const { sim, replies } = await observeEnv();
    expect(replies[0]!.code).toBe('2.05');
    expect(temperatureOf(replies[0]!)).toBe(20);
    sim.device().set('temperature', 23.5);
    await waitFor('the change notified', () => replies.some((r) => temperatureOf(r) === 23.5));

    const led: CoapReply[] = [];
    await client!.observe('/led', (reply) => led.push(reply));
    await waitFor('the LED state', () => led.length > 0);
    expect(led[0]!.payload.toString()).toBe('false');
    expect((await client!.send('PUT', '/led', { payload: 'true' })).code).toBe('2.04');
    await waitFor('the write notified', () => led.some((r) => r.payload.toString() === 'true'));
    expect(sim.observerCount).toBe(2);
  });

  it('sends nothing while nothing changes', async () => {
    const { sim, replies } = await observeEnv();
    sim.device().set('humidity', 50);
    await waitFor('the humidity change', () => replies.length === 2);
    // A write to another resource triggers a round of notifications; /env has not changed, so it stays quiet.
    expect((await client!.send('PUT', '/led', { payload: 'true' })).code).toBe('2.04');
    sim.device().set('humidity', 51);
    await waitFor('the next change', () => replies.length >= 3);
    expect(replies.length).toBe(3);
  });

  it('ends an observation when the client deregisters (Observe 1) or resets', async () => {
    const { sim, stop } = await observeEnv();
    stop(true);
    await waitFor('the observation to end', () => sim.observerCount === 0);
  });

  it('ends observations with the error when the device fails, and forgets them when it drops', async () => {
    const { sim, replies } = await observeEnv();
    sim.setFault({ kind: 'exception', code: 4 }, 'node-1');
    await waitFor('the error notification', () => replies.some((r) => r.code === '5.00'));
    await waitFor('the observation to end', () => sim.observerCount === 0);
    const refused = await client!.observe('/env', () => {});
    expect(refused.code).toBe('5.00');
    expect(refused.headers.Observe).toBeUndefined(); // not registered (RFC 7641 §4.2)
    expect(sim.observerCount).toBe(0);

    sim.setFault(undefined, 'node-1');
    await client!.observe('/env', () => {});
    await waitFor('a new observation', () => sim.observerCount === 1);
    sim.setFault({ kind: 'drop-connection' });
    expect(sim.observerCount).toBe(0);
  });
});
