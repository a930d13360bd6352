import type { DeviceProfile, ProfilePoint } from '../profile/profile-schema.js';
import type { PointValue } from '../profile/point-types.js';
import type { PayloadFormat } from '../protocol/payload-format.js';
import { CodecError } from './codec-error.js';
import { coerceRaw } from './coerce.js';
import { decodeDocument, encodeDocument, selectValue, type DocumentOptions } from './payload-codec.js';
import { rawToValue, valueToRaw, type EncodeOptions } from './value-transform.js';

/**
 * CoAP and MQTT rows of the codec table. A driver hands over a payload (and
 * the format the peer declared, if any); points that share one payload share
 * its parse.
 */
export interface PayloadRaw {
  payload: Uint8Array;
  /** The format the peer declared (CoAP Content-Format); wins over the profile's. */
  format?: PayloadFormat;
}

/** A write: the payload to send, and its format. */
export interface PayloadWrite {
  payload: Buffer;
  format: PayloadFormat;
}

export type PayloadProtocol = 'coap' | 'mqtt';

const parsed = new WeakMap<Uint8Array, Map<PayloadFormat, unknown>>();

/**
 * The parsed payload, kept per payload: a driver that checks a payload
 * parses (to tell garbage from data) leaves the parse for the codec.
 * Throws CodecError when the bytes are not that format.
 */
export function documentOf(raw: PayloadRaw, format: PayloadFormat): unknown {
  let byFormat = parsed.get(raw.payload);
  if (!byFormat) parsed.set(raw.payload, (byFormat = new Map()));
  if (!byFormat.has(format)) byFormat.set(format, decodeDocument(format, raw.payload));
  return byFormat.get(format);
}

/** ON/OFF words of an MQTT bool point → true/false, and back. */
function fromWords(point: ProfilePoint, protocol: PayloadProtocol, value: unknown): unknown {
  const block = protocol === 'mqtt' ? point.mqtt : undefined;
  if (block?.payloadOn === undefined) return value;
  if (value === block.payloadOn) return true;
  if (value === block.payloadOff) return false;
  throw new CodecError(`point ${point.name}: expected ${block.payloadOn} or ${block.payloadOff}, got ${JSON.stringify(value)}`);
}

function toWords<V>(point: ProfilePoint, protocol: PayloadProtocol, raw: V): V | string {
  const block = protocol === 'mqtt' ? point.mqtt : undefined;
  if (block?.payloadOn === undefined || typeof raw !== 'boolean') return raw;
  return raw ? block.payloadOn : block.payloadOff!;
}

export function payloadFormatOf(profile: DeviceProfile, point: ProfilePoint, protocol: PayloadProtocol): PayloadFormat {
  return point[protocol]?.format ?? profile[protocol]?.format ?? 'json';
}

export function payloadPointCodec(protocol: PayloadProtocol) {
  return {
    decode(profile: DeviceProfile, point: ProfilePoint, raw: unknown): PointValue {
      const { payload, format: declared } = raw as PayloadRaw;
      if (!(payload instanceof Uint8Array)) throw new CodecError(`point ${point.name}: no payload`);
      const format = declared ?? payloadFormatOf(profile, point, protocol);
      try {
        const selected = selectValue(format, documentOf(raw as PayloadRaw, format), point[protocol]?.select);
        return rawToValue(point, coerceRaw(point, fromWords(point, protocol, selected)));
      } catch (error) {
        if (error instanceof CodecError && !error.message.startsWith('point ')) throw new CodecError(`point ${point.name}: ${error.message}`);
        throw error;
      }
    },
    encode(profile: DeviceProfile, point: ProfilePoint, value: unknown, options?: EncodeOptions): PayloadWrite {
      return encodePayloadPoints(protocol, profile, [{ point, value }], options);
    },
  };
}

/**
 * The payload of several points that share one resource or topic (a device's
 * whole JSON state, a SenML pack): what a device publishes or answers, and
 * what a client sends to write several points at once. The points must share
 * one format.
 */
export function encodePayloadPoints(
  protocol: PayloadProtocol,
  profile: DeviceProfile,
  values: readonly { point: ProfilePoint; value: unknown }[],
  options: EncodeOptions & DocumentOptions = {},
): PayloadWrite {
  const formats = [...new Set(values.map(({ point }) => payloadFormatOf(profile, point, protocol)))];
  if (formats.length !== 1) throw new CodecError(`points ${values.map(({ point }) => point.name).join(', ')} do not share one payload format (${formats.join(', ') || 'none'})`);
  const format = formats[0]!;
  const entries = values.map(({ point, value }) => ({ select: point[protocol]?.select, value: toWords(point, protocol, valueToRaw(point, value, options)) }));
  return { format, payload: encodeDocument(format, entries, options) };
}
