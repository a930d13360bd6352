import { Type } from 'typebox';
import { HUB_EVENT_TYPES, type HubEvent, type HubEventType } from '../bus/hub-events.js';
import type { ApiDeps, HubFastify } from './api-deps.js';
import { ApiError, errorResponses } from './errors.js';
import { inScope, TenantQuery } from './tenant-scope.js';

/** A client that stops reading is cut off before its backlog costs the hub memory. */
const MAX_BUFFERED_BYTES = 1 << 20;
const KEEPALIVE_MS = 15_000;

/**
 * `GET /api/v1/events`: hub events as Server-Sent Events, for the console,
 * the CLI and anything that speaks EventSource. Each message is
 * `event: <type>` with the event as JSON in `data`.
 */
export function registerEventRoutes(app: HubFastify, deps: ApiDeps): void {
  app.get('/api/v1/events', {
    schema: {
      tags: ['events'],
      summary: 'Live events (Server-Sent Events): telemetry, alarm, command, gateway',
      description: 'A text/event-stream. Filter with `types` (comma-separated) and `device`. A comment line every 15 s keeps proxies from closing the stream. A tenant token gets its tenant\'s events only.',
      querystring: Type.Object({
        types: Type.Optional(Type.String({ description: `comma-separated subset of ${HUB_EVENT_TYPES.join(', ')}; default: all but telemetry` })),
        device: Type.Optional(Type.String()),
        ...TenantQuery,
      }),
      produces: ['text/event-stream'],
      response: { 200: Type.String({ description: 'text/event-stream' }), ...errorResponses(400, 401, 403) },
    },
  }, async (request, reply) => {
    const types = parseTypes(request.query.types);
    const { device } = request.query;
    const scope = request.tenantScope;
    // The gateway's tenant never changes, so one lookup per event decides; an event without a gateway says its tenant.
    const visible = (event: HubEvent) => scope === undefined
      || inScope(scope, event.gateway !== undefined ? deps.registry.gateways.tenantOf(event.gateway) : event.tenant ?? null);
    const raw = reply.raw;
    reply.hijack();
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    raw.write(': connected\n\n');
    let id = 0;
    const close = () => {
      unsubscribe();
      clearInterval(keepalive);
      raw.end();
    };
    const unsubscribe = deps.bus.subscribe((event: HubEvent) => {
      if ((device !== undefined && event.device !== device) || !visible(event)) return;
      if (raw.writableLength > MAX_BUFFERED_BYTES) {
        request.log.warn({ url: request.url }, 'event stream client is not reading: closing it');
        close();
        return;
      }
      raw.write(`event: ${event.type}\nid: ${++id}\ndata: ${JSON.stringify(event)}\n\n`);
    }, types);
    const keepalive = setInterval(() => raw.write(': keepalive\n\n'), KEEPALIVE_MS);
    request.raw.once('close', close);
  });
}

function parseTypes(text: string | undefined): HubEventType[] {
  if (text === undefined) return HUB_EVENT_TYPES.filter((t) => t !== 'telemetry');
  const types = text.split(',').map((t) => t.trim()).filter(Boolean);
  const unknown = types.filter((t) => !(HUB_EVENT_TYPES as readonly string[]).includes(t));
  if (unknown.length > 0 || types.length === 0) {
    throw new ApiError('invalid_request', `types: expected a comma-separated subset of ${HUB_EVENT_TYPES.join(', ')}, got "${text}"`);
  }
  return types as HubEventType[];
}
