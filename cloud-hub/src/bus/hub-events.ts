import { Type, type Static } from 'typebox';
import { PointValues } from '@afferent/device-profiles';

/**
 * What happens at the hub, as events: live values, alarm and command
 * transitions, gateways coming and going. The console, the CLI and webhooks
 * follow them; with several hubs the bus carries them between processes.
 * `data` shapes are owned by the service that publishes them.
 */
export const HUB_EVENT_TYPES = ['telemetry', 'alarm', 'command', 'gateway'] as const;
export type HubEventType = (typeof HUB_EVENT_TYPES)[number];

export const TelemetryEventData = Type.Object({
  gateway: Type.String(),
  device: Type.String(),
  t: Type.Integer(),
  values: PointValues,
});

export const GatewayEventData = Type.Object({
  gateway: Type.String(),
  online: Type.Boolean(),
});

export interface HubEvent<T extends HubEventType = HubEventType, D = unknown> {
  type: T;
  /** When it happened at the hub, ms. */
  at: number;
  /** The device it concerns, for filtering; absent for gateway-wide events. */
  device?: string;
  gateway?: string;
  /** The tenant of an event without a gateway (a hub rule's alarm); an event with a gateway is its gateway's tenant's. */
  tenant?: string;
  data: D;
}

export type TelemetryEvent = HubEvent<'telemetry', Static<typeof TelemetryEventData>>;
export type GatewayEvent = HubEvent<'gateway', Static<typeof GatewayEventData>>;
