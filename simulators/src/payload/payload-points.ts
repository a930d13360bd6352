import {
  CodecError, POINT_CODECS, decodeDocument, encodePayloadPoints, isReadable, payloadFormatOf, selectValue,
  type PayloadProtocol, type PayloadRaw, type PayloadWrite, type PointValue, type ProfilePoint,
} from '@afferent/device-profiles';
import { restingValue, type SimulatedDevice } from '../device/simulated-device.js';
import { writeRefusal } from '../device/write-check.js';

/**
 * CoAP resources and MQTT topics carry payloads: several points of a device
 * share one (a JSON object, a SenML pack). What the device serves and what it
 * accepts as a write are built here, with device-profiles' payload codecs,
 * for both protocols.
 */

/** Points of one device that share a payload, by a key (a resource path, a topic). */
export function groupPoints(points: readonly ProfilePoint[], keyOf: (point: ProfilePoint) => string | undefined): Map<string, ProfilePoint[]> {
  const groups = new Map<string, ProfilePoint[]>();
  for (const point of points) {
    const key = keyOf(point);
    if (key !== undefined) groups.set(key, [...(groups.get(key) ?? []), point]);
  }
  return groups;
}

/** The points a device reports in a payload: write-only points are never read back. */
export function readablePoints(points: readonly ProfilePoint[]): ProfilePoint[] {
  return points.filter(isReadable);
}

/** SenML base name of a device, so that record names are unique across devices (RFC 8428 §4.5.1). */
export function senmlBaseName(deviceId: string): string {
  return `urn:dev:ops:afferent-sim-${deviceId}:`;
}

/**
 * The payload the device serves now for these points. Lenient, as a device
 * is: values are rounded to the scale's step and clamped to what the type
 * holds. Throws CodecError only for a value no payload can carry.
 */
export function encodeState(device: SimulatedDevice, protocol: PayloadProtocol, points: readonly ProfilePoint[], baseName: string): PayloadWrite {
  const t = Date.now();
  const values = points.map((point) => ({ point, value: device.get(point.name, t) }));
  return encodePayloadPoints(protocol, device.profile, values, { strict: false, baseName });
}

/** At start, a profile whose points cannot share their payload (two formats, two points in one text payload) is refused by name. */
export function checkSharedPayload(device: SimulatedDevice, protocol: PayloadProtocol, where: string, points: readonly ProfilePoint[]): void {
  try {
    encodePayloadPoints(protocol, device.profile, points.map((point) => ({ point, value: restingValue(point) })), { strict: false });
  } catch (error) {
    if (error instanceof CodecError) throw new Error(`profile ${device.profile.profile}, ${where}: ${error.message}`);
    throw error;
  }
}

export type WriteDecoding = { writes: { name: string; value: PointValue }[] } | { refusal: string };

/**
 * The writes a payload asks for: every writable point among `points` whose
 * value the payload carries, decoded with the profile's codec and checked
 * strictly (min/max, enum, resolution). All or nothing: one bad value refuses
 * the whole payload, as a device validates a request before acting on it.
 */
export function decodeWrites(device: SimulatedDevice, protocol: PayloadProtocol, points: readonly ProfilePoint[], raw: PayloadRaw): WriteDecoding {
  const { profile } = device;
  const writes: { name: string; value: PointValue }[] = [];
  for (const point of points) {
    const format = raw.format ?? payloadFormatOf(profile, point, protocol);
    let document: unknown;
    try {
      document = decodeDocument(format, raw.payload);
    } catch (error) {
      if (error instanceof CodecError) return { refusal: error.message };
      throw error;
    }
    try {
      selectValue(format, document, point[protocol]?.select);
    } catch (error) {
      if (error instanceof CodecError) continue; // this payload does not set this point
      throw error;
    }
    let value: PointValue;
    try {
      value = POINT_CODECS[protocol].decode(profile, point, raw);
    } catch (error) {
      if (error instanceof CodecError) return { refusal: error.message };
      throw error;
    }
    const refusal = writeRefusal(device, point.name, value);
    if (refusal) return { refusal };
    writes.push({ name: point.name, value });
  }
  if (writes.length === 0) return { refusal: `the payload sets none of ${points.map((p) => p.name).join(', ')}` };
  return { writes };
}
