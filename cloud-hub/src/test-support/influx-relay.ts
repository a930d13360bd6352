import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface ScriptedAnswer {
  status: number;
  retryAfter?: string;
}

interface Held {
  release(): void;
}

/**
 * A small real HTTP server between the hub and VictoriaMetrics, for what the
 * hub must survive: it answers scripted failures (503, 429 with Retry-After)
 * before forwarding, refuses requests holding a given line with 400 (as
 * InfluxDB does for a bad line), and can hold the next request so a test can
 * kill VictoriaMetrics while a write is in flight. When the upstream is gone
 * it drops the hub's connection, as a dead server would.
 */
export class InfluxRelay {
  /** Each request: when it arrived, what it was answered, how many lines it carried. */
  readonly log: { at: number; status: number; lines: number }[] = [];
  private readonly script: ScriptedAnswer[] = [];
  private poison: RegExp | undefined;
  private holding = false;
  private down = false;
  private readonly held: Held[] = [];
  private forwarding = 0;
  private readonly server: Server;

  constructor(private readonly upstream: string) {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Answer the next requests with these, in order, instead of forwarding them. */
  answerNext(...answers: ScriptedAnswer[]): void {
    this.script.push(...answers);
  }

  /** Answer 400 to any request with a line matching this (bad lines are refused as a whole request, like InfluxDB). */
  refuseLines(pattern: RegExp): void {
    this.poison = pattern;
  }

  /** While down, every request's connection is dropped at once, as if nothing listened. */
  setDown(down: boolean): void {
    this.down = down;
  }

  /** From now on, hold requests before forwarding them, until `release`. */
  hold(): void {
    this.holding = true;
  }

  get heldCount(): number {
    return this.held.length;
  }

  /** Requests forwarded and not yet answered by the upstream. */
  get inFlight(): number {
    return this.forwarding;
  }

  release(): void {
    this.holding = false;
    for (const held of this.held.splice(0)) held.release();
  }

  async close(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.down) {
      this.log.push({ at: Date.now(), status: 0, lines: 0 });
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8');
    const lines = text.split('\n').filter((l) => l !== '').length;
    const answer = this.script.shift()
      ?? (this.poison && text.split('\n').some((l) => this.poison!.test(l)) ? { status: 400 } : undefined);
    if (answer) {
      this.log.push({ at: Date.now(), status: answer.status, lines });
      res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.retryAfter ? { 'retry-after': answer.retryAfter } : {}) });
      res.end(JSON.stringify({ code: 'scripted', message: `relay answered ${answer.status}` }));
      return;
    }
    if (this.holding) await new Promise<void>((release) => this.held.push({ release }));
    this.forward(req, body, lines, res);
  }

  private forward(req: IncomingMessage, body: Buffer, lines: number, res: ServerResponse): void {
    this.forwarding++;
    const url = new URL(req.url ?? '/', this.upstream);
    const upstream = httpRequest(url, { method: req.method, headers: { ...req.headers, host: url.host } }, (answer) => {
      const parts: Buffer[] = [];
      answer.on('data', (part: Buffer) => parts.push(part));
      answer.on('end', () => {
        this.forwarding--;
        this.log.push({ at: Date.now(), status: answer.statusCode ?? 0, lines });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.end(Buffer.concat(parts));
      });
    });
    upstream.on('error', () => {
      this.forwarding--;
      this.log.push({ at: Date.now(), status: 0, lines });
      res.destroy();
    });
    upstream.end(body);
  }
}
