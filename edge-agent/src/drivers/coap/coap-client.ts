import { createSocket } from 'node:dgram';
import { Agent, request, type IncomingMessage, type ObserveReadStream, type OutgoingMessage } from 'coap';
import { CONTENT_FORMATS, formatOfContentFormat, type PayloadFormat } from '@afferent/device-profiles';
import { DriverError } from '../driver.js';

/** What a CoAP response says, in the driver's terms. */
export interface CoapReply {
  code: string;
  /** The Content-Format, when the server named one the profiles know. */
  format?: PayloadFormat;
  payload: Buffer;
  /** How long the representation stays fresh (Max-Age, default 60 s: RFC 7252 §5.10.5). */
  maxAgeMs: number;
}

export interface CoapRequest {
  method: 'GET' | 'PUT' | 'POST';
  path: string;
  payload?: Buffer;
  format?: PayloadFormat;
  timeoutMs: number;
}

/** An observation in force: notifications after the first response go to `onReply`. */
export interface CoapObservation {
  readonly first: CoapReply;
  close(): void;
}

/** IANA media types, as the coap library names the Content-Formats it knows. */
const MEDIA_TYPES: Record<string, PayloadFormat> = {
  'text/plain': 'text',
  'application/json': 'json',
  'application/cbor': 'cbor',
  'application/senml+json': 'senml+json',
  'application/senml+cbor': 'senml+cbor',
};

/**
 * Errors name no device or resource: the session that asked adds them.
 *
 * The driver's CoAP endpoint: one UDP socket for every device. The socket is
 * ours, not the library agent's, because an agent that owns its socket closes
 * it whenever nothing is in flight, failing the next request. Each request is
 * bounded by its own timeout (the library's retransmissions run within it,
 * and the exchange is abandoned when it expires).
 */
export class CoapClient {
  private readonly socket = createSocket('udp4');
  private readonly agent = new Agent({ type: 'udp4', socket: this.socket });
  private readonly inFlight = new Set<OutgoingMessage>();
  private readonly observations = new Set<ObserveReadStream>();
  private closed = false;

  constructor() {
    // A bad datagram or an unreachable port must not take the agent down; requests time out instead.
    this.agent.on('error', () => undefined);
    this.socket.on('error', () => undefined);
  }

  request(url: URL, call: CoapRequest): Promise<CoapReply> {
    return this.send(url, call, false).then(({ reply }) => reply);
  }

  /** Register an observation; resolves with the first response (a 2.05 or the error that refused it). */
  async observe(url: URL, path: string, timeoutMs: number, onReply: (reply: CoapReply) => void): Promise<CoapObservation> {
    const { reply, stream } = await this.send(url, { method: 'GET', path, timeoutMs }, true);
    if (!stream) return { first: reply, close: () => undefined };
    this.observations.add(stream);
    let first = true;
    stream.on('data', (payload: Buffer) => {
      // The first chunk is the registration's own response, already handed back.
      if (first) {
        first = false;
        return;
      }
      onReply(replyOf(stream, payload));
    });
    stream.on('error', () => undefined);
    return {
      first: reply,
      close: () => {
        if (!this.observations.delete(stream)) return;
        stream.close(!this.closed);
      },
    };
  }

  close(): void {
    this.closed = true;
    for (const stream of this.observations) stream.close(false);
    this.observations.clear();
    for (const req of this.inFlight) this.agent.abort(req);
    this.inFlight.clear();
    this.agent.close();
    this.socket.close();
  }

  private send(url: URL, call: CoapRequest, observe: boolean): Promise<{ reply: CoapReply; stream?: ObserveReadStream }> {
    if (this.closed) return Promise.reject(new DriverError('unreachable', 'closed by the agent'));
    return new Promise((resolve, reject) => {
      const req = request({
        hostname: url.hostname,
        port: Number(url.port || 5683),
        pathname: call.path,
        method: call.method,
        agent: this.agent,
        ...(observe && { observe: true }),
        ...(call.format !== undefined && { contentFormat: CONTENT_FORMATS[call.format] }),
      });
      this.inFlight.add(req);
      const done = () => {
        clearTimeout(timer);
        this.inFlight.delete(req);
      };
      const timer = setTimeout(() => {
        done();
        this.agent.abort(req);
        reject(new DriverError('timeout', `no answer within ${call.timeoutMs} ms`));
      }, call.timeoutMs);
      req.on('response', (res: IncomingMessage | ObserveReadStream) => {
        done();
        const reply = replyOf(res, res.payload);
        // An error to a registration comes without Observe: it is a plain response, and no observation.
        const stream = observe && res.headers.Observe !== undefined ? (res as ObserveReadStream) : undefined;
        resolve(stream ? { reply, stream } : { reply });
      });
      req.on('error', (error: Error) => {
        done();
        reject(new DriverError('unreachable', error.message));
      });
      req.on('timeout', () => {
        done();
        reject(new DriverError('timeout', 'no answer'));
      });
      req.end(call.payload);
    });
  }
}

function replyOf(message: IncomingMessage, payload: Buffer): CoapReply {
  const maxAge = message.headers['Max-Age'];
  return {
    code: message.code,
    ...formatOf(message.headers['Content-Format']),
    payload,
    maxAgeMs: (typeof maxAge === 'number' ? maxAge : 60) * 1000,
  };
}

function formatOf(value: unknown): { format?: PayloadFormat } {
  if (value === undefined || value === null) return {};
  const format = typeof value === 'number' ? formatOfContentFormat(value) : MEDIA_TYPES[String(value).split(';')[0]!.trim()];
  return format ? { format } : {};
}
