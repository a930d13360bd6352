import type { Problem } from '../validation/problem.js';
import { checkSchema } from '../validation/schema-check.js';
import type { DeviceProfile } from '../profile/profile-schema.js';
import { PROTOCOL_TABLE } from '../protocol/protocol-table.js';
import { compileAlarms, effectiveAlarms } from '../rules/alarm-definition.js';
import type { DeviceInstance } from './device-instance.js';

/** A device instance against its profile: the connection must suit the profile's protocol. */
export function checkDeviceInstance(instance: DeviceInstance, profile: DeviceProfile | undefined): Problem[] {
  if (!profile) return [{ path: ['profile'], message: `unknown profile "${instance.profile}"` }];
  const spec = PROTOCOL_TABLE[profile.protocol];
  const problems = checkSchema(spec.connection, instance.connection, ['connection']);
  if (problems.length === 0 && spec.checkConnection) {
    problems.push(...spec.checkConnection(instance.connection as never).map((p) => ({ ...p, path: ['connection', ...p.path] })));
  }
  if (instance.alarms) {
    const { alarms, problems: overrideProblems } = effectiveAlarms(profile, instance.alarms);
    problems.push(...overrideProblems);
    problems.push(...compileAlarms(profile, alarms, (index, field) => ['alarms', alarms[index]!.name, field]).problems);
  }
  return problems;
}
