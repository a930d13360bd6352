import { afterEach, describe, expect, it } from 'vitest';
import { apiFixture, bearer, type ApiFixture } from '../test-support/api-fixture.js';

describe('API rate limit', () => {
  let api: ApiFixture | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('answers the N+1-th request of a token in the window with 429 and Retry-After; another token is not affected', async () => {
    api = await apiFixture({ rateLimit: { max: 3, windowMs: 60_000 } });
    const get = (token: string) => api!.app.inject({ url: '/api/v1/devices', headers: bearer(token) });
    for (let i = 0; i < 3; i++) expect((await get(api.tokens.viewer)).statusCode).toBe(200);
    const limited = await get(api.tokens.viewer);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited.json()).toEqual({
      error: { code: 'rate_limited', message: expect.stringMatching(/^the token "test viewer" made more than 3 requests in 1m; try again in \d+ s \(Retry-After\)$/) },
    });
    expect((await get(api.tokens.operator)).statusCode).toBe(200);
    expect((await api.metrics.rateLimited.get()).values).toEqual([expect.objectContaining({ labels: { by: 'token' }, value: 1 })]);
  });

  it('counts requests without a valid token by address, and exempts /healthz and /docs', async () => {
    api = await apiFixture({ rateLimit: { max: 2, windowMs: 60_000 } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await api.app.inject({ url: '/api/v1/devices', headers: bearer(`guess-${i}`) })).statusCode);
    expect(statuses).toEqual([401, 401, 429]);
    // The same address with a valid token has its own count.
    expect((await api.app.inject({ url: '/api/v1/devices', headers: api.auth('viewer') })).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) {
      expect((await api.app.inject({ url: '/healthz' })).statusCode).toBe(200);
      expect((await api.app.inject({ url: '/docs/json' })).statusCode).toBe(200);
    }
  });

  it('is off unless configured', async () => {
    api = await apiFixture();
    for (let i = 0; i < 50; i++) expect((await api.app.inject({ url: '/api/v1/devices', headers: api.auth('viewer') })).statusCode).toBe(200);
  });
});
