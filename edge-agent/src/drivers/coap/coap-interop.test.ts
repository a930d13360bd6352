import { afterEach, describe, expect, it } from 'vitest';
import { POINT_CODECS, parseProfile, type PointValue } from '@afferent/device-profiles';
import { freePort } from '@afferent/simulators';
import { startProcess, type RunningProcess } from '@afferent/testkit';
import { waitFor } from '@afferent/testkit';
import type { DeviceSession, Driver } from '../driver.js';
import { createCoapDriver } from './coap-driver.js';

/**
 * Debian's libcoap example server (libcoap3-bin) as a third-party peer: its
 * /time resource is observable text that changes every second (Max-Age 1),
 * /example_data takes a PUT and serves it back.
 */
const SERVER = 'coap-server-notls';
const LIBCOAP = parseProfile(`profile: libcoap-example-server
version: 1
protocol: coap
coap: { format: text }
points:
  - { name: clock, type: string, coap: { path: /time, mode: observe } }
  - { name: data, type: string, access: rw, coap: { path: /example_data } }
`, 'libcoap-example-server.yaml');
const point = (name: string) => LIBCOAP.points.find((p) => p.name === name)!;
const decode = (name: string, raw: unknown) => POINT_CODECS.coap.decode(LIBCOAP, point(name), raw);

let server: RunningProcess | undefined;
let driver: Driver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
  await server?.stop();
  server = undefined;
});

async function start(): Promise<DeviceSession> {
  const port = await freePort();
  server = startProcess(SERVER, ['-A', '127.0.0.1', '-p', String(port)]);
  driver = createCoapDriver();
  const session = driver.open({ profile: LIBCOAP, instance: { id: 'libcoap', profile: LIBCOAP.profile, connection: { url: `coap://127.0.0.1:${port}`, timeout: '1s' } } });
  await waitFor(`${SERVER} to answer`, async () => (await session.read([point('data')])).has('data'));
  return session;
}

describe('CoAP interop (libcoap coap-server-notls)', () => {
  it('reads and observes /time: a new value every second', async () => {
    const session = await start();
    const read = (await session.read([point('clock')])).get('clock')!;
    expect(decode('clock', 'raw' in read ? read.raw : undefined)).toMatch(/^[A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2}$/);
    const seen = new Set<PointValue>();
    await session.subscribe!([point('clock')], (name, raw) => seen.add(decode(name, raw)), { alive: () => undefined, lost: () => undefined, pointFailed: () => undefined });
    await waitFor('three different times from the observation', () => seen.size >= 3);
  });

  it('writes /example_data with PUT and reads it back', async () => {
    const session = await start();
    await session.write([{ point: point('data'), raw: POINT_CODECS.coap.encode(LIBCOAP, point('data'), 'afferent was here') }]);
    const read = (await session.read([point('data')])).get('data')!;
    expect(decode('data', 'raw' in read ? read.raw : undefined)).toBe('afferent was here');
  });
});
