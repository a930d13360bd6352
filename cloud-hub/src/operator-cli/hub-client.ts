import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Exit codes of the operator CLI, for scripts. */
export const EXIT = {
  ok: 0,
  /** The command ran but did not succeed: failed, rejected, expired, timed out, cancelled. */
  notDone: 1,
  usage: 2,
  /** The hub answered with an error (400, 401, 403, 404, 409, 5xx). */
  refused: 3,
  /** No answer from the hub. */
  unreachable: 4,
} as const;

/** Something the CLI reports and exits with; `code` is the API's catalogue code when the hub gave one. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number, readonly code?: string) {
    super(message);
    this.name = 'CliError';
  }
}

const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The hub's HTTP API as the CLI uses it: JSON in and out, errors as CliError
 * that say what the hub said. node:http(s) rather than fetch, because a hub
 * with its own CA is verified with that CA (`--ca`), which fetch cannot be
 * given per request.
 */
export class HubClient {
  private readonly ca: string | undefined;

  constructor(readonly url: string, private readonly token: string, options: { ca?: string } = {}) {
    this.ca = options.ca;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: object = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  put<T>(path: string, body: object): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  patch<T>(path: string, body: object): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  private async request<T>(method: string, path: string, body?: object): Promise<T> {
    let response: { status: number; text: string };
    try {
      response = await send(new URL(`${this.url}${path}`), {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
        ...(this.ca ? { ca: this.ca } : {}),
      });
    } catch (error) {
      throw new CliError(`cannot reach the hub at ${this.url}: ${reason(error)}`, EXIT.unreachable);
    }
    let parsed: unknown;
    try {
      parsed = response.text ? JSON.parse(response.text) : undefined;
    } catch {
      throw new CliError(`${this.url} answered ${response.status} with something that is not JSON: is it an Afferent hub?`, EXIT.refused);
    }
    if (response.status >= 200 && response.status < 300) return parsed as T;
    const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    const what = response.status === 401 ? 'the hub refused the token' : response.status === 403 ? 'not allowed' : `the hub answered ${response.status}`;
    throw new CliError(`${what}: ${error?.message ?? response.text}`, EXIT.refused, error?.code);
  }
}

function send(url: URL, options: { method: string; headers: Record<string, string>; body?: string; ca?: string }): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: options.method,
      headers: options.headers,
      timeout: REQUEST_TIMEOUT_MS,
      ...(options.ca ? { ca: options.ca } : {}),
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(Object.assign(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`), { name: 'TimeoutError' })));
    request.on('error', reject);
    request.end(options.body);
  });
}

function reason(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  // A hub whose certificate this machine does not trust: say what to do about it.
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return `${message} (give the hub's CA with --ca FILE or AFFERENT_CA)`;
  return message ?? code ?? String(error);
}
