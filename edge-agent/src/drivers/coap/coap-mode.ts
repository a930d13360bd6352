import type { DeviceProfile, ProfilePoint } from '@afferent/device-profiles';

/** Observed (RFC 7641) when the point or the profile says `mode: observe`; polled otherwise. */
export function observesPoint(profile: DeviceProfile, point: ProfilePoint): boolean {
  return (point.coap?.mode ?? profile.coap?.mode ?? 'poll') === 'observe';
}
