import type { GatewayRecord } from '../registry/gateway-registry.js';
import type { DesiredConfigService } from './desired-config-service.js';
import type { GatewayView } from './fleet-schemas.js';

/** A gateway as the fleet view shows it: what it is, whether it is there, its backlog, its devices' health, its config. */
export function gatewayView(gateway: GatewayRecord, configs: DesiredConfigService): GatewayView {
  return {
    id: gateway.id,
    tenant: gateway.tenant,
    name: gateway.name,
    labels: gateway.labels,
    location: gateway.location,
    enabled: gateway.enabled,
    provisioned: gateway.provisioned,
    created: gateway.created,
    online: gateway.online,
    lastSeen: gateway.lastSeen,
    version: gateway.status?.version ?? null,
    backlog: gateway.status?.backlog ?? null,
    devices: gateway.status?.devices ?? {},
    config: configs.report(gateway.id),
  };
}
