import { DOWN_TOPICS, gatewayTopic, isUpTopic, parseGatewayTopic } from '@afferent/device-profiles';

/**
 * MQTT access rules: a gateway lives entirely under `v1/gw/{its id}/`. It may
 * publish its up kinds there (telemetry, alarms, status, inventory,
 * cmd-result, config-state) and subscribe to its down kinds (ack, cmd,
 * config), by exact topic only: no wildcard can reach another gateway.
 */
export function mayPublish(gateway: string, topic: string): boolean {
  const parsed = parseGatewayTopic(topic);
  return parsed !== undefined && parsed.gateway === gateway && isUpTopic(parsed.kind);
}

export function maySubscribe(gateway: string, topic: string): boolean {
  return DOWN_TOPICS.some((kind) => topic === gatewayTopic(gateway, kind));
}
