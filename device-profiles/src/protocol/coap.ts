import { Type, type Static } from 'typebox';
import { DurationSchema } from '../common/duration.js';
import type { Problem } from '../validation/problem.js';
import type { DeviceProfile } from '../profile/profile-schema.js';
import { PayloadFormatSchema, SelectSchema } from './payload-format.js';

/**
 * CoAP: points live in resources. Several points may share one resource (a
 * JSON object or a SenML pack); the agent fetches each resource once per poll,
 * or observes it (RFC 7641).
 */
const Mode = Type.Enum(['poll', 'observe']);
const Path = Type.String({ pattern: '^/[^\\s?#]*$', expected: 'a resource path such as /sensors/env' });

export const CoapProfileBlock = Type.Object(
  {
    mode: Type.Optional(Mode),
    /** Default payload format; the response's Content-Format wins when it has one. */
    format: Type.Optional(PayloadFormatSchema),
    /** How writes are sent; default put. */
    writeMethod: Type.Optional(Type.Enum(['put', 'post'])),
  },
  { additionalProperties: false },
);

export const CoapPointBlock = Type.Object(
  {
    path: Path,
    select: Type.Optional(SelectSchema),
    format: Type.Optional(PayloadFormatSchema),
    mode: Type.Optional(Mode),
    /** Where writes go, if not to `path`. */
    writePath: Type.Optional(Path),
  },
  { additionalProperties: false },
);

export const CoapConnectionSchema = Type.Object(
  {
    url: Type.String({ pattern: '^coap://[^\\s/]+$', expected: 'a CoAP server such as coap://sensor-12:5683' }),
    /** Per-request timeout; default 5s (CoAP retransmits within it). */
    timeout: Type.Optional(DurationSchema),
  },
  { additionalProperties: false },
);

export type CoapProfileBlock = Static<typeof CoapProfileBlock>;
export type CoapPointBlock = Static<typeof CoapPointBlock>;
export type CoapConnection = Static<typeof CoapConnectionSchema>;

export function checkCoapProfile(profile: DeviceProfile): Problem[] {
  const problems: Problem[] = [];
  profile.points.forEach((point, index) => {
    const block = point.coap;
    const format = block?.format ?? profile.coap?.format ?? 'json';
    if (block && format === 'text' && block.select) {
      problems.push({ path: ['points', index, 'coap', 'select'], message: 'a text payload is one value: select does not apply' });
    }
  });
  return problems;
}
