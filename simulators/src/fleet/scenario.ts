import { readFileSync } from 'node:fs';
import { Type, type Static } from 'typebox';
import {
  DurationSchema, ProfileName, ValidationError, checkSchema, locateProblems, parseYamlSource,
  type DeviceProfile, type Problem,
} from '@afferent/device-profiles';
import { FaultSchema } from '../device/fault.js';
import { SignalSpecSchema } from '../signals/signal-spec.js';

/**
 * A fleet of simulated devices in a few lines of YAML:
 *
 *   devices:
 *     - { profile: eastron-sdm120, count: 40, port: 15020, unitId: 1, unitsPerPort: 40, idPrefix: meter }
 */
export const DeviceGroupSchema = Type.Object(
  {
    profile: ProfileName,
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    /** First port; 0 or absent: free ports. */
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    /** First unit id on each port. */
    unitId: Type.Optional(Type.Integer({ minimum: 1, maximum: 247 })),
    /** Devices that share one port (like slaves behind one serial gateway) before the next port is used. */
    unitsPerPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 247 })),
    /** Device ids are `{idPrefix}-{n}`; default: the profile name. */
    idPrefix: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,50}$' })),
    signals: Type.Optional(Type.Record(Type.String(), SignalSpecSchema)),
    /** Faults on a schedule: after `after`, for `for`, repeating every `every` if given. */
    faults: Type.Optional(
      Type.Array(
        Type.Object(
          { fault: FaultSchema, after: DurationSchema, for: DurationSchema, every: Type.Optional(DurationSchema) },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);

export const ScenarioSchema = Type.Object(
  {
    host: Type.Optional(Type.String()),
    seed: Type.Optional(Type.Integer()),
    profileDirs: Type.Optional(Type.Array(Type.String())),
    devices: Type.Array(DeviceGroupSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export type Scenario = Static<typeof ScenarioSchema>;
export type DeviceGroup = Static<typeof DeviceGroupSchema>;

/** Parse a scenario; throws ValidationError naming file, line and field. */
export function parseScenario(text: string, source: string): Scenario {
  const { doc, problems } = parseYamlSource(text, source);
  if (!doc) throw new ValidationError(`scenario ${source}`, problems);
  const schemaProblems = checkSchema(ScenarioSchema, doc.value);
  if (schemaProblems.length > 0) throw new ValidationError(`scenario ${source}`, locateProblems(doc, schemaProblems));
  return doc.value as Scenario;
}

export function loadScenarioFile(path: string): Scenario {
  return parseScenario(readFileSync(path, 'utf8'), path);
}

/** Problems a scenario has against the profiles it names (unknown profile, signal for a missing point). */
export function checkScenarioProfiles(scenario: Scenario, profiles: ReadonlyMap<string, DeviceProfile>): Problem[] {
  const problems: Problem[] = [];
  scenario.devices.forEach((group, index) => {
    const profile = profiles.get(group.profile);
    if (!profile) {
      problems.push({ path: ['devices', index, 'profile'], message: `unknown profile "${group.profile}"; known: ${[...profiles.keys()].join(', ')}` });
      return;
    }
    for (const point of Object.keys(group.signals ?? {})) {
      if (!profile.points.some((p) => p.name === point)) {
        problems.push({ path: ['devices', index, 'signals', point], message: `profile ${profile.profile} has no point "${point}"` });
      }
    }
  });
  return problems;
}
