import type { Problem } from '../validation/problem.js';
import { PROTOCOL_TABLE } from '../protocol/protocol-table.js';
import { compileAlarms } from '../rules/alarm-definition.js';
import { isIntegerType, isNumericType } from './point-types.js';
import { PROTOCOLS, type DeviceProfile } from './profile-schema.js';

/** Rules across fields that a schema cannot state. Runs only on schema-valid profiles. */
export function checkProfile(profile: DeviceProfile): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  profile.points.forEach((point, index) => {
    const at = (field: string) => ['points', index, field];
    const first = seen.get(point.name);
    if (first !== undefined) problems.push({ path: at('name'), message: `duplicate point name "${point.name}" (first at points[${first}])` });
    else seen.set(point.name, index);

    if (!point[profile.protocol]) {
      problems.push({ path: at(profile.protocol), message: `missing: a ${profile.protocol} profile says where each point lives` });
    }
    for (const other of PROTOCOLS) {
      if (other !== profile.protocol && point[other]) {
        problems.push({ path: at(other), message: `a ${other} block in a ${profile.protocol} profile` });
      }
    }
    if (point.scale === 0) problems.push({ path: at('scale'), message: 'scale must not be 0' });
    if (!isNumericType(point.type)) {
      for (const field of ['scale', 'offset', 'min', 'max', 'deadband'] as const) {
        if (point[field] !== undefined) problems.push({ path: at(field), message: `${field} applies to numbers, not to ${point.type}` });
      }
    }
    if (point.min !== undefined && point.max !== undefined && point.min > point.max) {
      problems.push({ path: at('min'), message: `min ${point.min} is above max ${point.max}` });
    }
    if (point.enum && !isIntegerType(point.type)) {
      problems.push({ path: at('enum'), message: `enum maps integers to labels; a ${point.type} point cannot have one` });
    }
    if (point.enum && (point.scale !== undefined || point.offset !== undefined)) {
      problems.push({ path: at('enum'), message: 'enum and scale/offset cannot be combined' });
    }
  });

  const alarmNames = new Set<string>();
  profile.alarms?.forEach((alarm, index) => {
    if (alarmNames.has(alarm.name)) problems.push({ path: ['alarms', index, 'name'], message: `duplicate alarm name "${alarm.name}"` });
    alarmNames.add(alarm.name);
  });

  if (problems.length === 0) problems.push(...compileAlarms(profile).problems);
  if (problems.length === 0) problems.push(...PROTOCOL_TABLE[profile.protocol].checkProfile(profile));
  return problems;
}
