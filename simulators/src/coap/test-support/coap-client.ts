import { createSocket } from 'node:dgram';
import { Agent, request, type IncomingMessage, type ObserveReadStream } from 'coap';
import type { PayloadFormat } from '@afferent/device-profiles';
import { optionFormat } from '../content-format.js';

/**
 * A CoAP client for tests. It owns its socket: an agent that owns one closes
 * it whenever it has no request in flight, and a request (or a deregistration)
 * made while it closes fails with "Not running".
 */
export class CoapTestClient {
  private readonly socket = createSocket('udp4');
  private readonly agent = new Agent({ type: 'udp4', socket: this.socket });

  constructor(private readonly url: string) {}

  send(method: 'GET' | 'PUT' | 'POST' | 'DELETE', pathname: string, options: { payload?: Buffer | string; contentFormat?: number; accept?: number } = {}): Promise<CoapReply> {
    const { hostname, port } = new URL(this.url);
    return new Promise((resolve, reject) => {
      const req = request({
        hostname, port: Number(port), pathname, method, agent: this.agent,
        ...(options.contentFormat !== undefined && { contentFormat: options.contentFormat }),
        ...(options.accept !== undefined && { accept: options.accept }),
      });
      req.on('response', (res: IncomingMessage) => resolve(reply(res, res.payload)));
      req.on('error', reject);
      req.on('timeout', reject);
      req.end(options.payload);
    });
  }

  /** Observe a resource: every notification is handed to `onReply`; resolves with the stream once registered. */
  observe(pathname: string, onReply: (reply: CoapReply) => void): Promise<ObserveReadStream> {
    const { hostname, port } = new URL(this.url);
    return new Promise((resolve, reject) => {
      const req = request({ hostname, port: Number(port), pathname, method: 'GET', observe: true, agent: this.agent });
      req.on('response', (stream: ObserveReadStream) => {
        stream.on('data', (chunk: Buffer) => onReply(reply(stream, chunk)));
        resolve(stream);
      });
      req.on('error', reject);
      req.end();
    });
  }

  close(): void {
    this.agent.close();
    this.socket.close();
  }
}

export interface CoapReply {
  code: string;
  format: PayloadFormat | undefined;
  payload: Buffer;
}

function reply(message: IncomingMessage, payload: Buffer): CoapReply {
  return { code: message.code, format: optionFormat(message, 'Content-Format') ?? undefined, payload };
}
