import type { ConfigState } from '@afferent/device-profiles';
import type { ConfigSync } from '../fleet/desired-config-service.js';

/** `GET /api/v1/gateways/:id/config`, as the CLI reads it. */
export interface GatewayConfigView {
  gateway: string;
  desired: { version: number; devices: unknown[]; deviceCount: number; created: number; createdBy: string } | null;
  reported: { applied: number | null; last: ConfigState | null };
  sync: ConfigSync;
  error?: string;
}
