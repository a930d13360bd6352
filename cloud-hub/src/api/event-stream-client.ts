import type { HubEvent } from '../bus/hub-events.js';

export interface EventFollower {
  /** Stop following (closes the stream). */
  close(): void;
}

/**
 * Follow a hub's `GET /api/v1/events` (Server-Sent Events): `onEvent` gets
 * each event as it arrives. Resolves once the hub has subscribed this stream
 * to its bus (it does so before it writes the `: connected` comment), so
 * nothing published afterwards is missed. For the CLI, tests and benchmarks.
 */
export async function followEvents(url: string, token: string, onEvent: (event: HubEvent) => void): Promise<EventFollower> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  if (response.status !== 200 || !response.body) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  let connected!: () => void;
  let ended!: (error: Error) => void;
  const subscribed = new Promise<void>((resolve, reject) => {
    connected = resolve;
    ended = reject;
  });
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return ended(new Error(`GET ${url}: the stream ended`));
      text += value;
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        if (block.startsWith(': connected')) connected();
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (data) onEvent(JSON.parse(data) as HubEvent);
      }
    }
  })().catch((error: Error) => ended(error));
  // A no-op once connected: only a stream that ends (or fails) before the hub confirmed it is an error here.
  await subscribed;
  return { close: () => controller.abort() };
}
