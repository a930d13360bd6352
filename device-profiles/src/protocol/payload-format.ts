import { Type } from 'typebox';

/**
 * Payload formats of CoAP resources and MQTT messages, and their CoAP
 * Content-Format numbers (RFC 7252 §12.3, RFC 8428 §12.3).
 */
export const PAYLOAD_FORMATS = ['json', 'cbor', 'senml+json', 'senml+cbor', 'text'] as const;
export type PayloadFormat = (typeof PAYLOAD_FORMATS)[number];

export const CONTENT_FORMATS: Record<PayloadFormat, number> = {
  text: 0,
  json: 50,
  cbor: 60,
  'senml+json': 110,
  'senml+cbor': 112,
};

export function formatOfContentFormat(code: number): PayloadFormat | undefined {
  return (Object.entries(CONTENT_FORMATS) as [PayloadFormat, number][]).find(([, c]) => c === code)?.[0];
}

export const PayloadFormatSchema = Type.Enum(PAYLOAD_FORMATS);

/**
 * Where a point's value is inside a payload: a dotted path into JSON or CBOR
 * (`sensors.0.temperature`), or a SenML record name (`urn:dev:ow:10e2073a;temp`
 * or, after the base name, `temp`). Absent: the whole payload is the value.
 */
export const SelectSchema = Type.String({ minLength: 1, maxLength: 256 });
