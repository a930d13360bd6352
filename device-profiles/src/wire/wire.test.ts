import { describe, expect, it } from 'vitest';
import { allGatewaysTopic, gatewayPrefix, gatewayTopic, parseGatewayTopic } from './topics.js';
import { decodeWire, encodeWire } from './wire-codec.js';
import { formatProvisioningToken, parseProvisioningToken } from './provisioning.js';

describe('topics', () => {
  it('builds every topic under the gateway prefix', () => {
    expect(gatewayTopic('gw-1', 'telemetry')).toBe('v1/gw/gw-1/telemetry');
    expect(gatewayTopic('gw-1', 'ack').startsWith(gatewayPrefix('gw-1'))).toBe(true);
    expect(allGatewaysTopic('status')).toBe('v1/gw/+/status');
  });
  it('refuses gateway ids that would escape the prefix', () => {
    for (const bad of ['a/b', '+', '#', '', 'gw 1', '../x']) expect(() => gatewayPrefix(bad)).toThrow(/invalid gateway id/);
  });
  it('parses wire topics and nothing else', () => {
    expect(parseGatewayTopic('v1/gw/plant-7/cmd-result')).toEqual({ gateway: 'plant-7', kind: 'cmd-result' });
    expect(parseGatewayTopic('v1/gw/plant-7/unknown')).toBeUndefined();
    expect(parseGatewayTopic('v1/gw/plant-7/telemetry/extra')).toBeUndefined();
    expect(parseGatewayTopic('v2/gw/plant-7/telemetry')).toBeUndefined();
  });
});

describe('payloads', () => {
  const batch = { epoch: 'abcdefgh12', seq: 7, readings: [{ d: 'meter-1', t: 1_700_000_000_000, v: { voltage: 230.1, relay: true, mode: 'auto' } }] };

  it('round-trips a telemetry batch', () => {
    const decoded = decodeWire('telemetry', encodeWire('telemetry', batch));
    expect(decoded).toEqual({ ok: true, value: batch });
  });
  it('says what is wrong with a garbled batch, without throwing', () => {
    expect(decodeWire('telemetry', Buffer.from('{"seq":'))).toMatchObject({ ok: false, error: expect.stringMatching(/^telemetry: not JSON/) });
    const wrongType = { ...batch, readings: [{ ...batch.readings[0], t: 'yesterday' }] };
    expect(decodeWire('telemetry', JSON.stringify(wrongType))).toEqual({
      ok: false,
      error: 'telemetry: readings[0].t: expected a time in ms since the epoch, got "yesterday"',
    });
    expect(decodeWire('ack', '{"epoch":"abcdefgh12","seqs":[]}')).toMatchObject({ ok: false, error: expect.stringContaining('seqs') });
  });
  it('carries a command outcome with the device\'s own error code', () => {
    const failed = { id: 'c-1', status: 'failed' as const, t: 1, error: 'Modbus exception 2 (illegal data address)', code: 2 };
    expect(decodeWire('cmd-result', encodeWire('cmd-result', failed))).toEqual({ ok: true, value: failed });
    expect(decodeWire('cmd-result', JSON.stringify({ ...failed, code: { x: 1 } })).ok).toBe(false);
  });
  it('refuses values that are not number, bool or string', () => {
    const nested = { ...batch, readings: [{ d: 'm', t: 1, v: { x: { y: 1 } } }] };
    expect(decodeWire('telemetry', JSON.stringify(nested)).ok).toBe(false);
  });
});

describe('keys of value maps', () => {
  it('refuses point names the contract does not allow', () => {
    const bad = { epoch: 'abcdefgh12', seq: 1, readings: [{ d: 'm', t: 1, v: { 'no spaces': 1 } }] };
    expect(decodeWire('telemetry', JSON.stringify(bad))).toEqual({
      ok: false,
      error: 'telemetry: readings[0].v.no spaces: not a valid key: keys must match ^[A-Za-z_][A-Za-z0-9_]{0,63}$',
    });
  });
});

describe('stored batches', () => {
  it('splice into exactly what encodeWire makes of the same batch', async () => {
    const { encodeStoredBatch } = await import('./wire-codec.js');
    const readings = [{ d: 'm-1', t: 5, v: { voltage: 230.1, relay: true } }];
    const spliced = encodeStoredBatch('telemetry', { epoch: 'abcdefgh12', seq: 3, low: 2 }, JSON.stringify(readings));
    expect(spliced.equals(encodeWire('telemetry', { epoch: 'abcdefgh12', seq: 3, low: 2, readings }))).toBe(true);
    expect(decodeWire('telemetry', spliced)).toEqual({ ok: true, value: { epoch: 'abcdefgh12', seq: 3, low: 2, readings } });
  });
});

describe('provisioning tokens', () => {
  const secret = 'A'.repeat(40) + '_-9';
  const fingerprint = 'ab'.repeat(32);
  it('carry a secret and, when the hub has its own CA, that CA\'s fingerprint', () => {
    expect(parseProvisioningToken(formatProvisioningToken({ secret, fingerprint }))).toEqual({ secret, fingerprint });
    expect(parseProvisioningToken(formatProvisioningToken({ secret }))).toEqual({ secret });
    // The fingerprint as openssl prints it works too.
    expect(parseProvisioningToken(`${secret}.${'AB:'.repeat(31)}AB`)).toEqual({ secret, fingerprint });
  });
  it('refuse what cannot be a token', () => {
    for (const bad of ['', 'short', `${secret}.`, `${secret}.xyz`, `${secret}.${fingerprint}.more`, `${secret.slice(1)}.${fingerprint}`]) {
      expect(parseProvisioningToken(bad), bad).toBeUndefined();
    }
  });
});
