import { documentOf, payloadFormatOf, type DeviceProfile, type PayloadProtocol, type PayloadRaw, type ProfilePoint } from '@afferent/device-profiles';
import { DriverError } from './driver.js';

/**
 * CoAP and MQTT drivers hand payloads to the codec, but bytes that are not
 * the payload's format at all (a garbled datagram, a broken publisher) are
 * the peer's fault, not one point's: a `protocol` DriverError. The parse is
 * cached with the payload, so the codec does not parse it again.
 */
export function checkPayload(protocol: PayloadProtocol, profile: DeviceProfile, point: ProfilePoint, raw: PayloadRaw, where: string): DriverError | undefined {
  const format = raw.format ?? payloadFormatOf(profile, point, protocol);
  try {
    documentOf(raw, format);
    return undefined;
  } catch (error) {
    return new DriverError('protocol', `${where}: not ${format}: ${(error as Error).message}`);
  }
}
