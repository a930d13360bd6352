import type { IncomingMessage } from 'coap';
import { formatOfContentFormat, type PayloadFormat } from '@afferent/device-profiles';

/** IANA media types of the payload formats (the names the coap library gives Content-Formats it knows). */
const MEDIA_TYPES: Record<string, PayloadFormat> = {
  'text/plain': 'text',
  'application/json': 'json',
  'application/cbor': 'cbor',
  'application/senml+json': 'senml+json',
  'application/senml+cbor': 'senml+cbor',
};

/**
 * The payload format a Content-Format or Accept option names: undefined when
 * the option is absent, null when it names a format no profile uses. The
 * library turns the numbers it knows into media type names, the others stay numbers.
 */
export function optionFormat(message: IncomingMessage, name: 'Content-Format' | 'Accept'): PayloadFormat | null | undefined {
  const value = message.headers[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return formatOfContentFormat(value) ?? null;
  return MEDIA_TYPES[String(value).split(';')[0]!.trim()] ?? null;
}
