import { Type } from 'typebox';

/**
 * Identifiers that appear in MQTT topics and URLs: no "/", "+", "#" or spaces,
 * so a topic prefix check is an exact access rule.
 */
export const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';

export const GatewayId = Type.String({
  pattern: ID_PATTERN,
  expected: 'a gateway id: letters, digits, ".", "_" and "-", starting with a letter or digit (at most 64)',
});

export const DeviceId = Type.String({
  pattern: ID_PATTERN,
  expected: 'a device id: letters, digits, ".", "_" and "-", starting with a letter or digit (at most 64)',
});

const ID_REGEX = new RegExp(ID_PATTERN);
export function isValidId(id: string): boolean {
  return ID_REGEX.test(id);
}
