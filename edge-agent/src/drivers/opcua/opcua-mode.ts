import type { DeviceProfile, ProfilePoint } from '@afferent/device-profiles';

/** Subscribed (a monitored item) unless the point or the profile says `mode: poll`. */
export function pushesPoint(profile: DeviceProfile, point: ProfilePoint): boolean {
  return (point.opcua?.mode ?? profile.opcua?.mode ?? 'subscribe') === 'subscribe';
}
