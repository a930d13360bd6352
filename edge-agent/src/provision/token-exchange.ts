import { request } from 'node:https';
import {
  checkSchema, formatProblem, PROVISION_PATH, ProvisionResponseSchema, type ProvisionResponse,
} from '@afferent/device-profiles';

/**
 * `POST /api/v1/provision {token}` over HTTPS, verified with `ca` (the pinned
 * hub CA, a CA file) or the system's CAs. The answer is the gateway's
 * credentials, or the hub's reason for refusing the token.
 */
export function exchangeToken(hub: URL, token: string, ca: string | undefined, timeoutMs = 15_000): Promise<ProvisionResponse> {
  const url = new URL(PROVISION_PATH, hub);
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ token });
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      timeout: timeoutMs,
      ...(ca ? { ca } : {}),
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          return reject(new Error(`${url.origin} answered ${response.statusCode} with something that is not JSON: is it an Afferent hub?`));
        }
        if (response.statusCode !== 200) {
          const error = (value as { error?: { message?: string } }).error;
          return reject(new Error(`the hub refused the token (${response.statusCode}): ${error?.message ?? text}`));
        }
        const problems = checkSchema(ProvisionResponseSchema, value);
        if (problems.length > 0) return reject(new Error(`the hub's answer is not what this agent expects: ${problems.map(formatProblem).join('; ')}`));
        resolve(value as ProvisionResponse);
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', (error) => reject(new Error(`cannot reach ${url.origin}: ${error.message}`)));
    req.end(body);
  });
}
