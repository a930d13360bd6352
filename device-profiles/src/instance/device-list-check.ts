import { Value } from 'typebox/value';
import type { DeviceProfile } from '../profile/profile-schema.js';
import type { PathSegment, Problem } from '../validation/problem.js';
import { checkSchema } from '../validation/schema-check.js';
import { DeviceInstanceSchema, type DeviceInstance } from './device-instance.js';
import { checkDeviceInstance } from './instance-check.js';
import { expandDeviceEntries } from './device-template.js';

export interface DeviceListOptions {
  /** The profile a device names, if there is one. */
  profileOf(name: string): DeviceProfile | undefined;
  /** Every profile name, listed when a device names an unknown one. */
  knownProfiles?(): readonly string[];
  /** More checks of a well-formed device whose profile is known; paths relative to the device. */
  checkDevice?(device: DeviceInstance, profile: DeviceProfile): Problem[];
}

/** A device of a checked list, and where it was written. */
export interface ListedDevice {
  device: DeviceInstance;
  /** Index of its entry in the list as written (a template's devices share one). */
  index: number;
  /** `n=7` for a device made by a template. */
  binding?: string;
}

/**
 * A device list as a gateway configuration holds it, checked the same way
 * wherever it comes from (the agent's file, a config pushed by the hub, the
 * hub's API): templates expanded, each device against the instance schema and
 * its profile, ids unique. Every problem names the entry as written (a
 * template's devices say which value made them), so a YAML locator finds its
 * line. `devices` holds every well-formed device, even when there are problems.
 */
export function checkDeviceList(entries: unknown, options: DeviceListOptions, base: PathSegment[] = ['devices']): { devices: ListedDevice[]; problems: Problem[] } {
  if (!Array.isArray(entries)) return { devices: [], problems: [{ path: base, message: 'expected a list of devices' }] };
  const expanded = expandDeviceEntries(entries, base);
  const problems = [...expanded.problems];
  const devices: ListedDevice[] = [];
  const first = new Map<string, ListedDevice>();
  for (const { device, index, binding } of expanded.devices) {
    const at = (p: Problem): Problem => ({ ...p, path: [...base, index, ...p.path], message: binding ? `for ${binding}: ${p.message}` : p.message });
    if (!Value.Check(DeviceInstanceSchema, device)) {
      problems.push(...checkSchema(DeviceInstanceSchema, device).map(at));
      continue;
    }
    const listed: ListedDevice = { device, index, ...(binding ? { binding } : {}) };
    const earlier = first.get(device.id);
    if (earlier) problems.push(at({ path: ['id'], message: `duplicate device id "${device.id}" (first at ${where(base, earlier)})` }));
    else {
      first.set(device.id, listed);
      devices.push(listed);
    }
    const profile = options.profileOf(device.profile);
    if (!profile) {
      const known = options.knownProfiles?.();
      problems.push(at({ path: ['profile'], message: `unknown profile "${device.profile}"${known ? `; known: ${[...known].sort().join(', ')}` : ''}` }));
      continue;
    }
    problems.push(...[...checkDeviceInstance(device, profile), ...(options.checkDevice?.(device, profile) ?? [])].map(at));
  }
  return { devices, problems };
}

/** `devices[2]`, or `devices[2] (n=7)` for a template's device. */
function where(base: PathSegment[], listed: ListedDevice): string {
  const path = `${base.join('.')}[${listed.index}]`;
  return listed.binding ? `${path} (${listed.binding})` : path;
}
