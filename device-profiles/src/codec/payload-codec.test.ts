import { describe, expect, it } from 'vitest';
import type { DeviceProfile } from '../profile/profile-schema.js';
import { CodecError } from './codec-error.js';
import { decodeDocument, encodeDocument, encodePayload, selectValue } from './payload-codec.js';
import { encodePayloadPoints } from './payload-point.js';
import { POINT_CODECS } from './point-codec.js';

const utf8 = (text: string) => Buffer.from(text);
const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

describe('payload documents', () => {
  it('selects from JSON by dotted path', () => {
    const doc = decodeDocument('json', utf8('{"env":{"temperature":21.5,"sensors":[{"co2":612}]}}'));
    expect(selectValue('json', doc, 'env.temperature')).toBe(21.5);
    expect(selectValue('json', doc, 'env.sensors.0.co2')).toBe(612);
    expect(() => selectValue('json', doc, 'env.pressure')).toThrow(/no "env.pressure" in the payload/);
  });

  it('resolves SenML JSON base names (RFC 8428 §5.1.2 style)', () => {
    const pack = utf8('[{"bn":"urn:dev:ow:10e2073a01080063:","n":"voltage","u":"V","v":120.1},{"n":"current","u":"A","v":1.2}]');
    const records = decodeDocument('senml+json', pack);
    expect(selectValue('senml+json', records, 'urn:dev:ow:10e2073a01080063:current')).toBe(1.2);
    expect(selectValue('senml+json', records, 'voltage')).toBe(120.1);
    expect(() => selectValue('senml+json', records, 'power')).toThrow(/no SenML record named "power"/);
  });

  it('reads SenML CBOR with integer labels (hand-assembled vector)', () => {
    // [{-2: "dev1:", 0: "temp", 1: "Cel", 2: 21.5 (half float)}, {0: "hum", 2: 40}]
    const pack = hex('82 a4 21 65 6465 7631 3a 00 64 7465 6d70 01 63 4365 6c 02 f9 4d60 a2 00 63 6875 6d 02 18 28');
    const records = decodeDocument('senml+cbor', pack);
    expect(selectValue('senml+cbor', records, 'temp')).toBe(21.5);
    expect(selectValue('senml+cbor', records, 'dev1:hum')).toBe(40);
  });

  it('reads plain CBOR and plain text', () => {
    // {"t": 21.5} as a CBOR map with a half float
    expect(selectValue('cbor', decodeDocument('cbor', hex('a1 61 74 f9 4d60')), 't')).toBe(21.5);
    expect(decodeDocument('text', utf8(' 42.5\n'))).toBe(42.5);
    expect(decodeDocument('text', utf8('true'))).toBe(true);
    expect(decodeDocument('text', utf8('open'))).toBe('open');
  });

  it('round-trips every format through encodePayload', () => {
    for (const format of ['json', 'cbor', 'senml+json', 'senml+cbor'] as const) {
      const payload = encodePayload(format, 'setpoint', 21.5);
      expect(selectValue(format, decodeDocument(format, payload), 'setpoint')).toBe(21.5);
    }
    expect(encodePayload('json', 'a.b', true).toString()).toBe('{"a":{"b":true}}');
    expect(encodePayload('text', undefined, 7).toString()).toBe('7');
  });

  it('encodes several values into one document, as a device serves a resource', () => {
    const entries = [{ select: 'ENERGY.Power', value: 42 }, { select: 'ENERGY.Voltage', value: 231 }, { select: 'Time', value: 'now' }];
    expect(encodeDocument('json', entries).toString()).toBe('{"ENERGY":{"Power":42,"Voltage":231},"Time":"now"}');
    expect(decodeDocument('cbor', encodeDocument('cbor', entries))).toEqual({ ENERGY: { Power: 42, Voltage: 231 }, Time: 'now' });
    const pack = encodeDocument('senml+json', [{ select: 'temp', value: 21.5 }, { select: 'led', value: true }], { baseName: 'urn:dev:ops:x:' });
    expect(JSON.parse(pack.toString())).toEqual([{ bn: 'urn:dev:ops:x:', n: 'temp', v: 21.5 }, { n: 'led', vb: true }]);
    expect(() => encodeDocument('text', [{ select: undefined, value: 1 }, { select: undefined, value: 2 }])).toThrow(/one value, not 2/);
    expect(() => encodeDocument('json', [{ select: 'a', value: 1 }, { select: 'a.b', value: 2 }])).toThrow(/"a.b" runs through a value/);
  });

  it('writes SenML CBOR with integer labels (RFC 8428 §6)', () => {
    // [{-2: "d:", 0: "hum", 2: 40}]
    expect(encodeDocument('senml+cbor', [{ select: 'hum', value: 40 }], { baseName: 'd:' }).toString('hex')).toBe('81a32162643a006368756d021828');
    expect(selectValue('senml+cbor', decodeDocument('senml+cbor', encodePayload('senml+cbor', 'led', false)), 'led')).toBe(false);
  });

  it('says what is wrong with garbage instead of throwing something else', () => {
    expect(() => decodeDocument('json', utf8('{"a":'))).toThrow(CodecError);
    expect(() => decodeDocument('senml+json', utf8('{"n":"x"}'))).toThrow(/a SenML pack is a list of records/);
    expect(() => decodeDocument('cbor', hex('ff ff'))).toThrow(CodecError);
  });
});

describe('CoAP and MQTT point codecs', () => {
  const profile: DeviceProfile = {
    profile: 'air', version: 1, protocol: 'mqtt', mqtt: { format: 'json' },
    points: [
      { name: 'co2', type: 'uint16', unit: 'ppm', mqtt: { topic: '{base}/state', select: 'co2' } },
      { name: 'fan', type: 'bool', access: 'rw', mqtt: { topic: '{base}/state', select: 'fan', commandTopic: '{base}/set' } },
      { name: 'mode', type: 'uint16', enum: { '0': 'auto', '1': 'boost' }, mqtt: { topic: '{base}/state', select: 'mode' } },
    ],
  };
  const [co2, fan, mode] = profile.points as [DeviceProfile['points'][0], DeviceProfile['points'][0], DeviceProfile['points'][0]];
  const raw = { payload: utf8('{"co2":"612","fan":1,"mode":1}') };

  it('decodes each point from one shared payload, coercing what devices commonly send', () => {
    expect(POINT_CODECS.mqtt.decode(profile, co2, raw)).toBe(612);
    expect(POINT_CODECS.mqtt.decode(profile, fan, raw)).toBe(true);
    expect(POINT_CODECS.mqtt.decode(profile, mode, raw)).toBe('boost');
  });

  it('names the point when its value is not there or not usable', () => {
    expect(() => POINT_CODECS.mqtt.decode(profile, co2, { payload: utf8('{"fan":0}') })).toThrow('point co2: no "co2" in the payload');
    expect(() => POINT_CODECS.mqtt.decode(profile, fan, { payload: utf8('{"fan":"maybe"}') })).toThrow('point fan: a bool cannot be "maybe"');
  });

  it('encodes a write in the profile format, and honours a declared content format', () => {
    expect(POINT_CODECS.mqtt.encode(profile, fan, false)).toEqual({ format: 'json', payload: utf8('{"fan":false}') });
    expect(POINT_CODECS.coap.decode({ ...profile, protocol: 'coap' }, { name: 't', type: 'float32', coap: { path: '/t' } }, { payload: utf8('19.5'), format: 'text' })).toBe(19.5);
  });
});

describe('payload of several points', () => {
  it('encodes every point of a topic with its scale, enum and ON/OFF words', async () => {
    const { loadProfileLibrary } = await import('../profile/profile-loader.js');
    const plug = loadProfileLibrary().profiles.get('tasmota-smart-plug')!;
    const point = (name: string) => plug.points.find((p) => p.name === name)!;
    const state = encodePayloadPoints('mqtt', plug, [{ point: point('power'), value: 42.5 }, { point: point('voltage'), value: 230 }]);
    expect(state).toEqual({ format: 'json', payload: utf8('{"ENERGY":{"Power":42.5,"Voltage":230}}') });
    expect(() => encodePayloadPoints('mqtt', plug, [{ point: point('power'), value: 1 }, { point: point('relay'), value: true }])).toThrow(/do not share one payload format \(json, text\)/);
  });
});

describe('OPC UA point codec', () => {
  const profile: DeviceProfile = { profile: 'plc', version: 1, protocol: 'opcua', points: [{ name: 'x', type: 'int64', opcua: { nodeId: 'ns=1;s=x' } }] };
  it('reads node-opcua Int64 [high, low] words, negative too', () => {
    const point = { name: 'x', type: 'int64' as const, opcua: { nodeId: 'ns=1;s=x' } };
    expect(POINT_CODECS.opcua.decode(profile, point, [1, 5])).toBe(2 ** 32 + 5);
    expect(POINT_CODECS.opcua.decode(profile, point, [0xffffffff, 0xfffffffe])).toBe(-2);
    expect(POINT_CODECS.opcua.decode(profile, { ...point, type: 'float64', scale: 0.5 }, 3)).toBe(1.5);
  });
});

describe('ON/OFF words (Tasmota)', () => {
  it('reads and writes a relay that says ON and OFF', async () => {
    const { loadProfileLibrary } = await import('../profile/profile-loader.js');
    const plug = loadProfileLibrary().profiles.get('tasmota-smart-plug')!;
    const relay = plug.points.find((p) => p.name === 'relay')!;
    expect(POINT_CODECS.mqtt.decode(plug, relay, { payload: utf8('ON') })).toBe(true);
    expect(POINT_CODECS.mqtt.decode(plug, relay, { payload: utf8('OFF') })).toBe(false);
    expect(() => POINT_CODECS.mqtt.decode(plug, relay, { payload: utf8('TOGGLE') })).toThrow('point relay: expected ON or OFF, got "TOGGLE"');
    expect(POINT_CODECS.mqtt.encode(plug, relay, true)).toEqual({ format: 'text', payload: utf8('ON') });
    const power = plug.points.find((p) => p.name === 'power')!;
    expect(POINT_CODECS.mqtt.decode(plug, power, { payload: utf8('{"Time":"2026-11-22T10:00:00","ENERGY":{"Power":42,"Voltage":231}}') })).toBe(42);
  });
});

describe('OPC UA Float variants', () => {
  it('are reported to float32 precision, like Modbus float32', () => {
    const profile: DeviceProfile = { profile: 'plc', version: 1, protocol: 'opcua', points: [{ name: 'f', type: 'float32', opcua: { nodeId: 'ns=1;s=f' } }] };
    expect(POINT_CODECS.opcua.decode(profile, profile.points[0]!, Math.fround(230.1))).toBe(230.1);
  });
});
