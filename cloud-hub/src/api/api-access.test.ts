import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from '../test-support/api-fixture.js';

describe('API access and error shape', () => {
  let api: ApiFixture;
  beforeEach(async () => {
    api = await apiFixture();
  });
  afterEach(() => api.close());

  it('answers 401 without a token or with a bad one, in the catalogue shape', async () => {
    const none = await api.app.inject({ url: '/api/v1/devices' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringContaining('Bearer') } });
    for (const header of ['Bearer not-a-token', 'Basic dXNlcjpwYXNz', 'Bearer']) {
      const bad = await api.app.inject({ url: '/api/v1/devices', headers: { authorization: header } });
      expect(bad.statusCode, header).toBe(401);
      expect(bad.json().error.code).toBe('unauthorized');
    }
    api.registry.tokens.revoke(api.tokens.viewer);
    expect((await api.app.inject({ url: '/api/v1/devices', headers: api.auth('viewer') })).statusCode).toBe(401);
  });

  it('answers 403 when the role is too low', async () => {
    for (const role of ['viewer', 'operator'] as const) {
      const response = await api.app.inject({ method: 'POST', url: '/api/v1/gateways', headers: api.auth(role), payload: { id: 'gw-1' } });
      expect(response.statusCode, role).toBe(403);
      expect(response.json()).toEqual({ error: { code: 'forbidden', message: `this needs the admin role; the token "test ${role}" has ${role}` } });
    }
    expect((await api.app.inject({ url: '/api/v1/devices', headers: api.auth('viewer') })).statusCode).toBe(200);
  });

  it('keeps /healthz and /docs public, and /metrics behind a viewer token', async () => {
    expect((await api.app.inject({ url: '/healthz' })).json()).toEqual({ ok: true });
    expect((await api.app.inject({ url: '/docs' })).statusCode).toBe(200);
    expect((await api.app.inject({ url: '/metrics' })).statusCode).toBe(401);
    const metrics = await api.app.inject({ url: '/metrics', headers: api.auth('viewer') });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.body).toContain('afferent_hub_batches_ingested_total 0');
    expect(metrics.body).toContain('afferent_hub_ingest_latency_seconds_bucket');
    expect(metrics.body).toContain('afferent_hub_connected_gateways 0');
  });

  it('documents every route in the OpenAPI document, with bearer auth', async () => {
    const doc = (await api.app.inject({ url: '/docs/json' })).json() as {
      paths: Record<string, Record<string, unknown>>; components: { securitySchemes: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      '/api/v1/devices', '/api/v1/devices/{id}', '/api/v1/devices/{id}/telemetry', '/api/v1/events', '/api/v1/gateways',
      '/api/v1/gateways/{id}', '/api/v1/profiles', '/api/v1/profiles/{name}', '/healthz', '/metrics',
    ]));
    expect(Object.keys(doc.paths['/api/v1/gateways']!).sort()).toEqual(['get', 'post']);
    expect(doc.components.securitySchemes).toHaveProperty('bearerAuth');
  });

  it('answers unknown routes and bad parameters in the same shape', async () => {
    expect((await api.app.inject({ url: '/api/v1/nothing' })).statusCode).toBe(401);
    const missing = await api.app.inject({ url: '/api/v1/nothing', headers: api.auth('viewer') });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'not_found', message: 'no route GET /api/v1/nothing' } });
    const badBody = await api.app.inject({
      method: 'POST', url: '/api/v1/gateways', headers: { ...api.auth('admin'), 'content-type': 'application/json' }, payload: '{"id":',
    });
    expect(badBody.statusCode).toBe(400);
    expect(badBody.json().error.code).toBe('invalid_request');
  });
});
