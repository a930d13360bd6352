import {
  AccessLevelFlag, DataValue, StatusCodes, type IAddressSpace, type StatusCode, type Variant,
} from 'node-opcua';
import { CodecError, POINT_CODECS, isReadable, isWritable, type PointValue, type ProfilePoint } from '@afferent/device-profiles';
import type { RosterEntry } from '../device/device-roster.js';
import { writeRefusal } from '../device/write-check.js';
import { DATA_TYPES, toVariant } from './opcua-data-type.js';
import type { FaultGate } from './opcua-fault-gate.js';
import { resolveNodeId } from './opcua-namespaces.js';

/** Variables are sampled this often at most, so subscriptions see changes (node-opcua's default for getters is 1000 ms). */
export const MINIMUM_SAMPLING_INTERVAL = 50;

/**
 * A device's points as variables at exactly the node ids its profile names,
 * under an object named by the device id. Reads and samples take the
 * device's current value; writes are decoded and checked strictly with the
 * profile, then applied. Everything passes the fault gate first.
 */
export function addDeviceNodes(addressSpace: IAddressSpace, entry: RosterEntry, gate: FaultGate): void {
  const own = addressSpace.getOwnNamespace();
  const folder = own.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: entry.id, nodeId: `s=${entry.id}` });
  for (const point of entry.device.profile.points) {
    if (!point.opcua) continue;
    const { nodeId, namespace } = resolveNodeId(addressSpace, point.opcua.nodeId);
    if (addressSpace.findNode(nodeId)) throw new Error(`node ${point.opcua.nodeId} is served twice (device ${entry.id}): give each device its own server`);
    const access = (isReadable(point) ? AccessLevelFlag.CurrentRead : 0) | (isWritable(point) ? AccessLevelFlag.CurrentWrite : 0);
    namespace.addVariable({
      componentOf: folder,
      browseName: point.name,
      nodeId,
      dataType: DATA_TYPES[point.type],
      accessLevel: access,
      userAccessLevel: access,
      minimumSamplingInterval: MINIMUM_SAMPLING_INTERVAL,
      ...(point.description !== undefined && { description: point.description }),
      value: {
        // One parameter: node-opcua calls it for every Read and every sample, and waits for the answer.
        timestamped_get: (answer: (error: Error | null, value: DataValue) => void) =>
          gate.pass(entry.id, () => answer(null, sample(entry, point)), (statusCode) => answer(null, new DataValue({ statusCode }))),
        timestamped_set: (dataValue: DataValue, answer: (error: Error | null, status: StatusCode) => void) =>
          gate.pass(entry.id, () => answer(null, write(entry, point, dataValue.value)), (status) => answer(null, status)),
      },
    });
  }
}

/** The point's value now, leniently encoded (rounded, clamped) as a device would hold it. */
function sample(entry: RosterEntry, point: ProfilePoint): DataValue {
  const now = new Date();
  try {
    const raw = POINT_CODECS.opcua.encode(entry.device.profile, point, entry.device.get(point.name, now.getTime()), { strict: false });
    return new DataValue({ value: toVariant(point.type, raw as PointValue), statusCode: StatusCodes.Good, sourceTimestamp: now, serverTimestamp: now });
  } catch (error) {
    // A scenario driving a point with a value its type cannot hold: the device "fails".
    if (error instanceof CodecError) return new DataValue({ statusCode: StatusCodes.BadDeviceFailure, serverTimestamp: now });
    throw error;
  }
}

/** node-opcua has already refused a Variant of the wrong DataType (BadTypeMismatch); the profile's limits are checked here. */
function write(entry: RosterEntry, point: ProfilePoint, variant: Variant): StatusCode {
  let value: PointValue;
  try {
    value = POINT_CODECS.opcua.decode(entry.device.profile, point, variant.value);
  } catch (error) {
    if (error instanceof CodecError) return StatusCodes.BadOutOfRange; // e.g. an integer that is none of the enum's
    throw error;
  }
  if (writeRefusal(entry.device, point.name, value)) return StatusCodes.BadOutOfRange;
  entry.device.applyWrite(point.name, value);
  return StatusCodes.Good;
}
