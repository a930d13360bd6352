import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Severity } from '@afferent/device-profiles';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { waitFor } from '@afferent/testkit';
import type { Webhook } from './alarm-config.js';
import { alarmEvent, type AlarmEvent } from './alarm-events.js';
import type { AutomaticTransition } from './alarm-lifecycle.js';
import { AlarmMetrics } from './alarm-metrics.js';
import { AlarmStore } from './alarm-store.js';
import { WebhookNotifier } from './webhook-notifier.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver that answers each request with the next status of `statuses` (the last one repeats). */
async function receiver(statuses: number[]): Promise<{ url: string; requests: Received[]; server: Server }> {
  const requests: Received[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      requests.push({ headers: request.headers, body });
      response.writeHead(statuses[Math.min(requests.length - 1, statuses.length - 1)]!).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/alarms?token=abc`, requests, server };
}

const servers: Server[] = [];
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

function setUp(targets: Webhook[], tries = 5) {
  const store = new AlarmStore(':memory:');
  const metrics = new AlarmMetrics(new Registry(), () => new Map());
  const notifier = new WebhookNotifier({ targets, metrics, logger: createLogger('silent'), tries, baseDelayMs: 5 });
  cleanups.push(() => notifier.close(), () => store.close());
  const outcomes = async () => Object.fromEntries((await metrics.webhookDeliveries.get()).values.map((v) => [v.labels.outcome, v.value]));
  const event = (state: AutomaticTransition['state'], t: number, severity: Severity = 'major'): AlarmEvent => {
    const applied = store.applyAutomatic({
      device: 'meter-1', gateway: 'gw-1', tenant: 'default', alarm: 'overvoltage', state, t, severity, message: 'Voltage high', values: { voltage: 256 }, source: 'edge', by: 'gw-1',
    });
    if (typeof applied === 'string') throw new Error(applied);
    return alarmEvent(applied);
  };
  return { notifier, outcomes, event };
}

describe('alarm webhooks', () => {
  it('retries with backoff until the receiver takes it, signing every attempt the same way', async () => {
    const hook = await receiver([503, 500, 204]);
    const secret = 'a-shared-secret-0123';
    const { notifier, outcomes, event } = setUp([{ url: hook.url, secret }]);
    const raised = event('raised', 1000);
    notifier.notify(raised);
    await waitFor('the delivery', async () => (await outcomes()).delivered === 1);
    expect(await outcomes()).toEqual({ retried: 2, delivered: 1 });
    expect(hook.requests).toHaveLength(3);
    for (const { headers, body } of hook.requests) {
      expect(headers['x-afferent-signature']).toBe(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
      expect(headers['x-afferent-event']).toBe('raised');
      expect(headers['x-afferent-delivery']).toBe(String(raised.data.transition.id));
      expect(headers['content-type']).toBe('application/json');
    }
    expect(JSON.parse(hook.requests[0]!.body)).toMatchObject({
      type: 'alarm', event: 'raised', device: 'meter-1', gateway: 'gw-1',
      data: { record: { alarm: 'overvoltage', state: 'active' }, transition: { event: 'raised', t: 1000 } },
    });
  });

  it('sends only the events and severities a target asks for, and only transitions that changed a record', async () => {
    const all = await receiver([200]);
    const picky = await receiver([200]);
    const { notifier, outcomes, event } = setUp([{ url: all.url }, { url: picky.url, events: ['cleared'], severities: ['critical'] }]);
    notifier.notify(event('raised', 1000));
    notifier.notify(event('cleared', 2000));
    notifier.notify(event('raised', 500)); // late: history only
    notifier.notify(event('raised', 3000, 'critical'));
    notifier.notify(event('cleared', 4000, 'critical'));
    await waitFor('five deliveries', async () => (await outcomes()).delivered === 5);
    expect(all.requests.map((r) => r.headers['x-afferent-event'])).toEqual(expect.arrayContaining(['raised', 'cleared', 'raised', 'cleared']));
    expect(all.requests).toHaveLength(4);
    expect(picky.requests.map((r) => JSON.parse(r.body).data.transition.t)).toEqual([4000]);
  });

  it('gives up at once on a refusal, and after the last try when nobody answers', async () => {
    const refusing = await receiver([400]);
    const gone = await receiver([200]);
    await new Promise((resolve) => gone.server.close(resolve));
    const { notifier, outcomes, event } = setUp([{ url: refusing.url }, { url: gone.url }], 3);
    notifier.notify(event('raised', 1000));
    await waitFor('both deliveries given up', async () => (await outcomes()).failed === 2);
    expect(refusing.requests).toHaveLength(1);
    expect(await outcomes()).toEqual({ failed: 2, retried: 2 });
  });

  it('never makes the caller wait, and stops retrying when closed', async () => {
    const hook = await receiver([503]);
    const { notifier, outcomes, event } = setUp([{ url: hook.url }], 1000);
    notifier.notify(event('raised', 1000));
    expect(hook.requests).toHaveLength(0); // notify returned before any request was made
    await waitFor('a retry', () => hook.requests.length >= 2);
    await notifier.close();
    // Every delivery has settled: closing is not failing, and nothing more is tried.
    const settled = await outcomes();
    expect(settled.failed).toBeUndefined();
    notifier.notify(event('cleared', 2000));
    await notifier.close();
    expect(await outcomes()).toEqual(settled);
  });
});
