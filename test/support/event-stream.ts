/** One Server-Sent Event: its `event:` name and its `data:` JSON. */
export interface StreamedEvent<T = unknown> {
  event: string;
  data: T;
}

export interface EventStream {
  /** Every event so far, in arrival order. */
  events: StreamedEvent<{ type: string; device?: string; data: unknown }>[];
  close(): void;
}

/**
 * Follow a hub's `GET /api/v1/events`. Resolves once the hub has subscribed
 * this stream to its bus (it does so before it writes the `: connected`
 * comment), so nothing published afterwards can be missed.
 */
export async function openEventStream(url: string, token: string): Promise<EventStream> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  if (response.status !== 200 || !response.body) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const events: EventStream['events'] = [];
  let text = '';
  let connected!: () => void;
  const subscribed = new Promise<void>((resolve) => (connected = resolve));
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      text += value;
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        if (block.startsWith(': connected')) connected();
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
    }
  })().catch(() => undefined);
  await subscribed;
  return { events, close: () => controller.abort() };
}
