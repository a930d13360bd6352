import { afterEach, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from '../test-support/api-fixture.js';

let fixture: ApiFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** Read SSE messages from a live stream until `count` arrive. */
async function readEvents(response: Response, count: number): Promise<{ event: string; data: { device?: string; type: string } }[]> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  const messages: { event: string; data: { device?: string; type: string } }[] = [];
  while (messages.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
    let end: number;
    while ((end = text.indexOf('\n\n')) >= 0) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) messages.push({ event, data: JSON.parse(data) });
    }
  }
  await reader.cancel();
  return messages;
}

describe('GET /api/v1/events', () => {
  it('streams hub events as Server-Sent Events, filtered by type and device', async () => {
    fixture = await apiFixture();
    const address = await fixture.app.listen({ host: '127.0.0.1', port: 0 });
    const response = await fetch(`${address}/api/v1/events?types=alarm,gateway&device=meter-1`, { headers: fixture.auth('viewer') });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reading = readEvents(response, 2);
    // Wait until the stream has subscribed, then publish: one that matches each filter, and three that do not.
    for (let i = 0; i < 100 && !fixture.bus.hasListeners('alarm'); i++) await new Promise((r) => setTimeout(r, 10));
    const bus = fixture.bus;
    bus.publish({ type: 'alarm', at: 1, device: 'meter-2', data: {} });
    bus.publish({ type: 'command', at: 2, device: 'meter-1', data: {} });
    bus.publish({ type: 'alarm', at: 3, device: 'meter-1', data: { alarm: 'overvoltage' } });
    bus.publish({ type: 'telemetry', at: 4, device: 'meter-1', data: {} });
    bus.publish({ type: 'alarm', at: 5, device: 'meter-1', data: { alarm: 'undervoltage' } });
    const events = await reading;
    expect(events.map((e) => `${e.event}@${e.data.device}`)).toEqual(['alarm@meter-1', 'alarm@meter-1']);
    expect(events.map((e) => (e.data as unknown as { data: { alarm: string } }).data.alarm)).toEqual(['overvoltage', 'undervoltage']);
  });

  it('needs a token and refuses unknown event types', async () => {
    fixture = await apiFixture();
    expect((await fixture.app.inject({ url: '/api/v1/events' })).statusCode).toBe(401);
    const bad = await fixture.app.inject({ url: '/api/v1/events?types=alarm,weather', headers: fixture.auth('viewer') });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/types: expected a comma-separated subset of telemetry, alarm, command, gateway, got "alarm,weather"/);
  });

  it('stops listening when the client goes away', async () => {
    fixture = await apiFixture();
    const address = await fixture.app.listen({ host: '127.0.0.1', port: 0 });
    const controller = new AbortController();
    const response = await fetch(`${address}/api/v1/events`, { headers: fixture.auth('viewer'), signal: controller.signal });
    expect(response.status).toBe(200);
    for (let i = 0; i < 100 && !fixture.bus.hasListeners('alarm'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(fixture.bus.hasListeners('alarm')).toBe(true);
    controller.abort();
    for (let i = 0; i < 100 && fixture.bus.hasListeners('alarm'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(fixture.bus.hasListeners('alarm')).toBe(false);
  });
});
