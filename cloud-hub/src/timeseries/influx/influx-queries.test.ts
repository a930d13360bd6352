import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTimeseriesDatabase } from '../local-database.js';
import { SeriesCatalog } from '../series-catalog.js';
import { TimeseriesUnavailableError } from '../timeseries-store.js';
import { InfluxQueries } from './influx-queries.js';

const T0 = Date.UTC(2026, 0, 31, 12, 0, 0);

/**
 * What the hub does with InfluxDB's answers, through the real client: a small
 * HTTP server answers /api/v2/query with annotated CSV in the documented
 * format (as InfluxDB 2.x sends it: one table per series, typed columns).
 * Queries against a real InfluxDB run in influx-store.influxdb.test.ts when
 * one is configured.
 */
const ANSWER = [
  '#group,false,false,true,true,false,false',
  '#datatype,string,long,string,string,dateTime:RFC3339,double',
  '#default,_result,,,,,',
  ',result,table,_field,device,_time,_value',
  ',,0,voltage,meter-1,2026-01-31T12:00:30.5Z,230.5',
  ',,0,voltage,meter-1,2026-01-31T12:01:00Z,231',
  ',,0,voltage,meter-1,2026-01-31T12:02:00Z,232',
  '',
  '#group,false,false,true,true,false,false',
  '#datatype,string,long,string,string,dateTime:RFC3339,boolean',
  '#default,_result,,,,,',
  ',result,table,_field,device,_time,_value',
  ',,1,relay,meter-1,2026-01-31T12:00:45Z,true',
  '',
  '#group,false,false,true,true,false,false',
  '#datatype,string,long,string,string,dateTime:RFC3339,long',
  '#default,_result,,,,,',
  ',result,table,_field,device,_time,_value',
  ',,2,count,meter-2,2026-01-31T12:00:10Z,7',
  '',
].join('\r\n');

describe('InfluxDB queries (answers of the documented format)', () => {
  let server: Server;
  let url: string;
  let dir: string;
  const requests: { url: string; auth: string | undefined; body: { query: string } }[] = [];
  let status = 200;

  beforeEach(async () => {
    server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const text = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString();
        requests.push({ url: req.url ?? '', auth: req.headers.authorization, body: JSON.parse(text) as { query: string } });
        if (status !== 200) {
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'x', message: `status ${status}` }));
          return;
        }
        res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' }).end(ANSWER);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), 'afferent-influx-q-'));
  });
  afterEach(async () => {
    requests.length = 0;
    status = 200;
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  function queries() {
    const db = openTimeseriesDatabase(join(dir, 'timeseries.db'));
    const catalog = new SeriesCatalog(db);
    db.transaction(() => {
      for (const [device, point, value] of [['meter-1', 'voltage', 1], ['meter-1', 'relay', true], ['meter-2', 'count', 1], ['meter-2', 'name', 'x']] as const) {
        catalog.seriesFor({ device, point, t: 0, value });
      }
    })();
    return { q: new InfluxQueries({ url, org: 'plant', bucket: 'telemetry', token: 'secret', timeoutMs: 2000 }, catalog), db };
  }

  it('sends the Flux for exactly the series asked for, with the org and the token, and maps typed rows', async () => {
    const { q, db } = queries();
    const result = await q.aggregate({ devices: ['meter-1', 'meter-2'], from: T0, to: T0 + 599_999, every: 60_000, fn: 'last', limit: 100 });
    expect(requests[0]!.url).toBe('/api/v2/query?org=plant');
    expect(requests[0]!.auth).toBe('Token secret');
    expect(requests[0]!.body.query).toContain('(r.device == "meter-1" and (r._field == "relay" or r._field == "voltage")) or (r.device == "meter-2" and (r._field == "count" or r._field == "name"))');
    // Windows start at `from` in Flux; the hub reports buckets aligned to the epoch.
    expect(result).toEqual({
      devices: {
        'meter-1': { relay: [{ t: T0, v: true }], voltage: [{ t: T0, v: 230.5 }, { t: T0 + 60_000, v: 231 }, { t: T0 + 120_000, v: 232 }] },
        'meter-2': { count: [{ t: T0, v: 7 }] },
      },
      truncated: false,
    });
    db.close();
  });

  it('keeps the oldest values over all series at the limit', async () => {
    const { q, db } = queries();
    const result = await q.raw({ devices: ['meter-1'], points: ['voltage', 'relay'], from: T0, to: T0 + 599_999, limit: 2 });
    expect(requests[0]!.body.query).toContain('|> limit(n: 3)');
    expect(result).toEqual({ devices: { 'meter-1': { voltage: [{ t: T0 + 30_500, v: 230.5 }], relay: [{ t: T0 + 45_000, v: true }] } }, truncated: true });
    db.close();
  });

  it('answers 503 when InfluxDB is away, and reports a refused query as the hub\'s own error', async () => {
    const { q, db } = queries();
    status = 503;
    await expect(q.raw({ devices: ['meter-1'], from: T0, to: T0 + 1, limit: 1 })).rejects.toThrow(TimeseriesUnavailableError);
    status = 400;
    await expect(q.raw({ devices: ['meter-1'], from: T0, to: T0 + 1, limit: 1 })).rejects.toThrow(/^InfluxDB refused a query: /);
    await new Promise((resolve) => server.close(resolve));
    server.listen(0); // keep afterEach's close harmless
    await expect(q.raw({ devices: ['meter-1'], from: T0, to: T0 + 1, limit: 1 })).rejects.toThrow(TimeseriesUnavailableError);
    expect(await q.raw({ devices: ['nobody'], from: T0, to: T0 + 1, limit: 1 })).toEqual({ devices: {}, truncated: false });
    db.close();
  });
});
