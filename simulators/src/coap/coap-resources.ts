import { isWritable, payloadFormatOf, type PayloadFormat, type ProfilePoint } from '@afferent/device-profiles';
import type { RosterEntry } from '../device/device-roster.js';
import type { SimulatedDevice } from '../device/simulated-device.js';
import { checkSharedPayload, groupPoints, readablePoints, senmlBaseName } from '../payload/payload-points.js';

/** One resource of a simulated CoAP device: the points a GET reports and those a PUT/POST sets. */
export interface CoapResource {
  path: string;
  deviceId: string;
  device: SimulatedDevice;
  reads: ProfilePoint[];
  writes: ProfilePoint[];
  /** The format of the resource's representation (its readable points', else its writable points'). */
  format: PayloadFormat;
  /** The method writes use, as the profile says (`coap.writeMethod`, default put). */
  writeMethod: 'PUT' | 'POST';
  baseName: string;
}

/**
 * Every distinct `coap.path` of a device's profile is a resource, and so is
 * every `writePath`. Two devices of one server may not share a path: a
 * profile's paths are the device's own, so give each device its own server.
 */
export function buildResources(entries: readonly RosterEntry[]): Map<string, CoapResource> {
  const resources = new Map<string, CoapResource>();
  for (const { id, device } of entries) {
    const points = device.profile.points.filter((p) => p.coap);
    if (points.length === 0) throw new Error(`profile ${device.profile.profile} has no CoAP points`);
    const reads = groupPoints(readablePoints(points), (p) => p.coap!.path);
    const writes = groupPoints(points.filter(isWritable), (p) => p.coap!.writePath ?? p.coap!.path);
    for (const path of new Set([...reads.keys(), ...writes.keys()])) {
      const owner = resources.get(path);
      if (owner) throw new Error(`resource ${path} is served by devices ${owner.deviceId} and ${id}: give each its own server`);
      const readPoints = reads.get(path) ?? [];
      const writePoints = writes.get(path) ?? [];
      if (readPoints.length > 0) checkSharedPayload(device, 'coap', `resource ${path}`, readPoints);
      resources.set(path, {
        path,
        deviceId: id,
        device,
        reads: readPoints,
        writes: writePoints,
        format: payloadFormatOf(device.profile, (readPoints[0] ?? writePoints[0])!, 'coap'),
        writeMethod: device.profile.coap?.writeMethod === 'post' ? 'POST' : 'PUT',
        baseName: senmlBaseName(id),
      });
    }
  }
  return resources;
}
