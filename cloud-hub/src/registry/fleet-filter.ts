import type { Labels } from '@afferent/device-profiles';

/**
 * What a listing of gateways or devices is narrowed to. Every fleet query of
 * the registry takes one, so that a later scope (a tenant) is one more field
 * here and one more condition in each registry's `list`.
 */
export interface FleetFilter {
  /** Only this tenant's; absent: every tenant (a platform caller). */
  tenant?: string;
  gateway?: string;
  /** Every one of these labels, with this value. */
  labels?: Labels;
}

export function matchesLabels(labels: Readonly<Record<string, string>>, wanted: Labels | undefined): boolean {
  return Object.entries(wanted ?? {}).every(([key, value]) => labels[key] === value);
}
