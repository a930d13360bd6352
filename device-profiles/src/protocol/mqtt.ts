import { Type, type Static } from 'typebox';
import type { Problem } from '../validation/problem.js';
import type { DeviceProfile } from '../profile/profile-schema.js';
import { PayloadFormatSchema, SelectSchema } from './payload-format.js';

/**
 * MQTT southbound: the agent subscribes to a site broker; a device publishes
 * its values and, for writes, listens on a command topic. Topics are
 * patterns: `{base}` is the device instance's `base` (its topic root, e.g.
 * `site/airq-7`), `{id}` its device id, so one profile serves every unit.
 */
const TopicPattern = Type.String({
  pattern: '^[^#+\\s]+$',
  expected: 'a topic without wildcards, e.g. {base}/state (use {base} and {id} placeholders)',
});

export const MqttProfileBlock = Type.Object(
  { format: Type.Optional(PayloadFormatSchema) },
  { additionalProperties: false },
);

export const MqttPointBlock = Type.Object(
  {
    topic: TopicPattern,
    select: Type.Optional(SelectSchema),
    format: Type.Optional(PayloadFormatSchema),
    /** Where a write to this point is published; required for rw points. */
    commandTopic: Type.Optional(TopicPattern),
    /** For bool points of devices that say ON/OFF (Tasmota, many switches): the words for true and false. */
    payloadOn: Type.Optional(Type.String({ minLength: 1 })),
    payloadOff: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export const MqttConnectionSchema = Type.Object(
  {
    url: Type.String({ pattern: '^mqtts?://[^\\s/]+$', expected: 'a broker such as mqtt://site-broker:1883' }),
    /** The device's topic root, substituted for {base} in the profile's topics. */
    base: Type.Optional(Type.String({ pattern: '^[^#+\\s]+$' })),
    username: Type.Optional(Type.String({ minLength: 1 })),
    password: Type.Optional(Type.String()),
    passwordFile: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export type MqttProfileBlock = Static<typeof MqttProfileBlock>;
export type MqttPointBlock = Static<typeof MqttPointBlock>;
export type MqttConnection = Static<typeof MqttConnectionSchema>;

/** `{base}/state` for base `site/airq-7` and id `airq-7` → `site/airq-7/state`. */
export function expandTopic(pattern: string, vars: { base?: string; id: string }): string {
  return pattern.replaceAll('{id}', vars.id).replaceAll('{base}', vars.base ?? vars.id);
}

export function checkMqttProfile(profile: DeviceProfile): Problem[] {
  const problems: Problem[] = [];
  profile.points.forEach((point, index) => {
    if (point.mqtt && (point.access ?? 'r') !== 'r' && !point.mqtt.commandTopic) {
      problems.push({ path: ['points', index, 'mqtt', 'commandTopic'], message: `a writable point needs the topic its writes are published to` });
    }
    const words = point.mqtt && (point.mqtt.payloadOn !== undefined || point.mqtt.payloadOff !== undefined);
    if (words && point.type !== 'bool') {
      problems.push({ path: ['points', index, 'mqtt', 'payloadOn'], message: `payloadOn/payloadOff apply to bool points, not to ${point.type}` });
    } else if (words && (point.mqtt!.payloadOn === undefined || point.mqtt!.payloadOff === undefined)) {
      problems.push({ path: ['points', index, 'mqtt', point.mqtt!.payloadOn === undefined ? 'payloadOn' : 'payloadOff'], message: 'payloadOn and payloadOff go together' });
    }
  });
  return problems;
}
