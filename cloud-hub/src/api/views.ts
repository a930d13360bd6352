import { UNKNOWN_PROFILE, type DeviceRecord } from '../registry/device-registry.js';
import type { ProfileEntry } from '../registry/profile-registry.js';
import type { Registry } from '../registry/registry.js';
import type { TimeseriesStore } from '../timeseries/timeseries-store.js';
import type { DeviceDetailView, DeviceView } from './api-schemas.js';

/** Registry records → API shapes. */

export function deviceView(device: DeviceRecord, registry: Registry, store: TimeseriesStore): DeviceView {
  return {
    id: device.id,
    gateway: device.gateway,
    profile: device.profile,
    profileVersion: device.profileVersion,
    profileKnown: device.profile !== UNKNOWN_PROFILE && registry.profiles.get(device.profile, device.profileVersion) !== undefined,
    protocol: device.protocol,
    labels: device.labels,
    location: device.location,
    firstSeen: device.firstSeen,
    lastSeen: device.lastSeen,
    latest: store.latest(device.id),
  };
}

export function deviceDetailView(device: DeviceRecord, registry: Registry, store: TimeseriesStore): DeviceDetailView {
  const profile: ProfileEntry | undefined = device.profile === UNKNOWN_PROFILE
    ? undefined
    : registry.profiles.get(device.profile, device.profileVersion);
  return {
    ...deviceView(device, registry, store),
    points: (profile?.profile.points ?? []).map((p) => ({
      name: p.name,
      type: p.type,
      access: p.access ?? 'r',
      ...(p.unit !== undefined ? { unit: p.unit } : {}),
      ...(p.min !== undefined ? { min: p.min } : {}),
      ...(p.max !== undefined ? { max: p.max } : {}),
    })),
  };
}
