import { afterEach, describe, expect, it } from 'vitest';
import {
  CONTENT_FORMATS, CodecError, POINT_CODECS, encodePayload, loadProfileLibrary, parseProfile, type DeviceProfile,
} from '@afferent/device-profiles';
import { startCoapSimulator, type CoapSimulator } from './coap-simulator.js';
import { CoapTestClient, type CoapReply } from './test-support/coap-client.js';

const ALL_FORMATS = parseProfile(`
profile: coap-all-formats
version: 1
protocol: coap
points:
  - { name: temperature, type: float32, coap: { path: /json, select: env.temp, format: json } }
  - { name: humidity,    type: float32, coap: { path: /json, select: env.hum, format: json } }
  - { name: co2,         type: uint16,  coap: { path: /cbor, select: co2, format: cbor } }
  - { name: mode,        type: uint16,  access: rw, enum: { 0: eco, 1: comfort }, coap: { path: /cbor, select: mode, format: cbor } }
  - { name: pressure,    type: float64, coap: { path: /senml-json, select: press, format: senml+json } }
  - { name: alarm,       type: bool,    coap: { path: /senml-json, select: alarm, format: senml+json } }
  - { name: setpoint,    type: int16,   scale: 0.1, min: 5, max: 30, access: rw, coap: { path: /senml-cbor, select: sp, format: senml+cbor } }
  - { name: level,       type: float64, coap: { path: /senml-cbor, select: level, format: senml+cbor } }
  - { name: label,       type: string,  access: rw, coap: { path: /text, format: text } }
`, 'coap-all-formats.yaml');
const envSenml = loadProfileLibrary().profiles.get('coap-env-senml')!;

let simulator: CoapSimulator | undefined;
let client: CoapTestClient | undefined;
afterEach(async () => {
  client?.close();
  client = undefined;
  await simulator?.close();
  simulator = undefined;
});

async function serve(profile: DeviceProfile): Promise<{ sim: CoapSimulator; coap: CoapTestClient }> {
  simulator = await startCoapSimulator({ devices: [{ id: 'dev-1', profile }] });
  client = new CoapTestClient(simulator.url);
  return { sim: simulator, coap: client };
}

/** What a client reads from a reply, with the profile's codec and the Content-Format the server declared. */
function decode(profile: DeviceProfile, name: string, reply: CoapReply): unknown {
  const point = profile.points.find((p) => p.name === name)!;
  return POINT_CODECS.coap.decode(profile, point, { payload: reply.payload, ...(reply.format && { format: reply.format }) });
}

describe('CoAP simulator', () => {
  it('serves each resource in its format with the right Content-Format, and the device values decode back', async () => {
    const { sim, coap } = await serve(ALL_FORMATS);
    const values = { temperature: 21.5, humidity: 40.25, co2: 612, mode: 'comfort', pressure: 1013.25, alarm: true, setpoint: 21.5, level: 0.125, label: 'boiler room' };
    for (const [name, value] of Object.entries(values)) sim.device().set(name, value);
    const expected = { '/json': 'json', '/cbor': 'cbor', '/senml-json': 'senml+json', '/senml-cbor': 'senml+cbor', '/text': 'text' } as const;
    const replies = new Map<string, CoapReply>();
    for (const [path, format] of Object.entries(expected)) {
      const reply = await coap.send('GET', path);
      expect(reply.code).toBe('2.05');
      expect(reply.format).toBe(format);
      replies.set(path, reply);
    }
    for (const point of ALL_FORMATS.points) {
      expect(decode(ALL_FORMATS, point.name, replies.get(point.coap!.path)!)).toEqual(values[point.name as keyof typeof values]);
    }
    expect(JSON.parse(replies.get('/json')!.payload.toString())).toEqual({ env: { temp: 21.5, hum: 40.25 } });
    expect(JSON.parse(replies.get('/senml-json')!.payload.toString())[0].bn).toBe('urn:dev:ops:afferent-sim-dev-1:');
    expect(sim.device().reads).toBe(5);
  });

  it('serves the shipped SenML CBOR node from its signals', async () => {
    simulator = await startCoapSimulator({ devices: [{ profile: envSenml, signals: { temperature: { kind: 'constant', value: 19.5 }, battery: { kind: 'constant', value: 2950 } } }] });
    client = new CoapTestClient(simulator.url);
    const env = await client.send('GET', '/env');
    expect(env.format).toBe('senml+cbor');
    expect(decode(envSenml, 'temperature', env)).toBe(19.5);
    expect(decode(envSenml, 'humidity', env)).toBe(0);
    expect(decode(envSenml, 'battery', await client.send('GET', '/bat'))).toBe(2950);
  });

  it('takes writes in the profile format, and any format the request declares', async () => {
    const { sim, coap } = await serve(ALL_FORMATS);
    const point = (name: string) => ALL_FORMATS.points.find((p) => p.name === name)!;
    const setpoint = POINT_CODECS.coap.encode(ALL_FORMATS, point('setpoint'), 22.5) as { payload: Buffer; format: 'senml+cbor' };
    const put = await coap.send('PUT', '/senml-cbor', { payload: setpoint.payload, contentFormat: CONTENT_FORMATS[setpoint.format] });
    expect(put.code).toBe('2.04');
    expect(sim.device().get('setpoint')).toBe(22.5);
    expect((await coap.send('PUT', '/cbor', { payload: encodePayload('json', 'mode', 1), contentFormat: CONTENT_FORMATS.json })).code).toBe('2.04');
    expect(sim.device().get('mode')).toBe('comfort');
    expect((await coap.send('PUT', '/text', { payload: 'plant room' })).code).toBe('2.04');
    expect(decode(ALL_FORMATS, 'label', await coap.send('GET', '/text'))).toBe('plant room');
    expect(sim.device().writeLog.map((w) => w.point)).toEqual(['setpoint', 'mode', 'label']);
  });

  it('refuses bad writes with 4.xx and a diagnostic, and keeps the value', async () => {
    const { sim, coap } = await serve(ALL_FORMATS);
    sim.device().set('setpoint', 20);
    const refused = async (reply: Promise<CoapReply>, code: string, why: RegExp) => {
      const { code: got, payload } = await reply;
      expect(`${got} ${payload.toString()}`).toMatch(new RegExp(`^${code} .*${why.source}`));
    };
    await refused(coap.send('PUT', '/senml-cbor', { payload: encodePayload('senml+cbor', 'sp', 350) }), '4.00', /35 is above the maximum 30/);
    await refused(coap.send('PUT', '/senml-cbor', { payload: Buffer.from([0xff, 0x00]) }), '4.00', /not valid senml\+cbor/);
    await refused(coap.send('PUT', '/senml-cbor', { payload: encodePayload('senml+cbor', 'other', 1) }), '4.00', /sets none of setpoint/);
    await refused(coap.send('PUT', '/cbor', { payload: encodePayload('cbor', 'mode', 7) }), '4.00', /7 is not one of its enum values/);
    await refused(coap.send('PUT', '/json', { payload: '{}' }), '4.05', /read-only/);
    await refused(coap.send('POST', '/text', { payload: 'x' }), '4.05', /writes use PUT/);
    await refused(coap.send('PUT', '/text', { payload: 'x', contentFormat: 41 }), '4.15', /Content-Format application\/xml/);
    await refused(coap.send('GET', '/json', { accept: CONTENT_FORMATS.cbor }), '4.06', /served as json/);
    await refused(coap.send('GET', '/nothing'), '4.04', /no resource/);
    expect(sim.device().get('setpoint')).toBe(20);
    expect(sim.device().writes).toBe(0);
  });

  it('answers injected faults: exception, garbage, delay; and recovers', async () => {
    const { sim, coap } = await serve(envSenml);
    sim.setFault({ kind: 'exception', code: 6 });
    expect((await coap.send('GET', '/env')).code).toBe('5.03');
    sim.setFault({ kind: 'exception', code: 99 }, 'dev-1');
    expect((await coap.send('GET', '/env')).code).toBe('5.00');
    sim.setFault(undefined, 'dev-1');
    sim.setFault({ kind: 'garbage' });
    const garbage = await coap.send('GET', '/env');
    expect(garbage.code).toBe('2.05');
    expect(() => decode(envSenml, 'temperature', garbage)).toThrow(CodecError);
    sim.setFault({ kind: 'delay', ms: 120 });
    expect((await coap.send('GET', '/bat')).code).toBe('2.05');
    sim.setFault(undefined);
    expect(decode(envSenml, 'battery', await coap.send('GET', '/bat'))).toBe(0);
  });

  it('restarts on the same port', async () => {
    const { sim } = await serve(envSenml);
    const { port } = sim;
    const device = sim.device();
    device.set('battery', 3001);
    await sim.close();
    simulator = await startCoapSimulator({ port, devices: [{ device }] });
    expect(decode(envSenml, 'battery', await client!.send('GET', '/bat'))).toBe(3001);
  });
});
