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

/** The hub's HTTP API as the CLI uses it: JSON in and out, errors as CliError that say what the hub said. */
export class HubClient {
  constructor(readonly url: string, private readonly token: string) {}

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: object = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  private async request<T>(method: string, path: string, body?: object): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new CliError(`cannot reach the hub at ${this.url}: ${reason(error)}`, EXIT.unreachable);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new CliError(`${this.url} answered ${response.status} with something that is not JSON: is it an Afferent hub?`, EXIT.refused);
    }
    if (response.ok) return parsed as T;
    const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    const what = response.status === 401 ? 'the hub refused the token' : response.status === 403 ? 'not allowed' : `the hub answered ${response.status}`;
    throw new CliError(`${what}: ${error?.message ?? (text || response.statusText)}`, EXIT.refused, error?.code);
  }
}

function reason(error: unknown): string {
  if ((error as Error)?.name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.message ?? cause?.code ?? (error as Error)?.message ?? String(error);
}
