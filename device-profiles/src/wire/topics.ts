import { isValidId } from '../common/identifiers.js';

/**
 * MQTT topics between a gateway and the hub. Every topic lives under one
 * gateway's prefix, so access control is a prefix check.
 */
export const WIRE_VERSION = 'v1';

/** Published by the gateway. */
export const UP_TOPICS = ['telemetry', 'alarms', 'status', 'inventory', 'cmd-result', 'config-state'] as const;
/** Published by the hub. */
export const DOWN_TOPICS = ['ack', 'cmd', 'config'] as const;

export type UpTopic = (typeof UP_TOPICS)[number];
export type DownTopic = (typeof DOWN_TOPICS)[number];
export type TopicKind = UpTopic | DownTopic;

/** `v1/gw/{gw}/` */
export function gatewayPrefix(gateway: string): string {
  if (!isValidId(gateway)) throw new Error(`invalid gateway id ${JSON.stringify(gateway)}`);
  return `${WIRE_VERSION}/gw/${gateway}/`;
}

export function gatewayTopic(gateway: string, kind: TopicKind): string {
  return gatewayPrefix(gateway) + kind;
}

/** `v1/gw/+/{kind}`: what the hub subscribes to. */
export function allGatewaysTopic(kind: TopicKind): string {
  return `${WIRE_VERSION}/gw/+/${kind}`;
}

const KINDS = new Set<string>([...UP_TOPICS, ...DOWN_TOPICS]);

/** The gateway and kind of a wire topic, or undefined when it is not one. */
export function parseGatewayTopic(topic: string): { gateway: string; kind: TopicKind } | undefined {
  const parts = topic.split('/');
  if (parts.length !== 4 || parts[0] !== WIRE_VERSION || parts[1] !== 'gw') return undefined;
  const [, , gateway, kind] = parts as [string, string, string, string];
  if (!isValidId(gateway) || !KINDS.has(kind)) return undefined;
  return { gateway, kind: kind as TopicKind };
}

export function isUpTopic(kind: TopicKind): kind is UpTopic {
  return (UP_TOPICS as readonly string[]).includes(kind);
}
