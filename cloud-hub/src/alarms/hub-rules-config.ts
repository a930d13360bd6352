import {
  AlarmRuleFields, PointName, ProfileName, compileAlarms,
  type AlarmDefinition, type DeviceProfile, type Problem,
} from '@afferent/device-profiles';
import { Type, type Static } from 'typebox';

/**
 * Hub rules: alarms over many devices at once, e.g. "more than 3 meters of
 * site X offline". Written in the profiles' condition language, over counts of
 * the devices a rule selects; raised as alarms of the virtual device `@hub`
 * (not a valid device id, so never a real one), with the same lifecycle.
 *
 *   alarms:
 *     rules:
 *       - { name: site_x_meters_offline, select: { labels: { site: x }, profile: eastron-sdm120 },
 *           when: "offline > 3", clear: "offline <= 1", for: 1m, severity: major,
 *           message: "{offline} of {devices} meters of site X offline" }
 */

export const HUB_DEVICE = '@hub';

/** What a rule's conditions can read, per evaluation. */
export const HUB_RULE_POINTS = {
  devices: 'devices the rule selects',
  reachable: 'of those, reported reachable by their gateway, which is online',
  offline: 'of those, whose gateway is offline or reports them unreachable',
} as const;
export type HubRulePoint = keyof typeof HUB_RULE_POINTS;

export const HubRuleSchema = Type.Object(
  {
    /** The alarm's name. */
    name: PointName,
    /** Which devices count: all of them when absent. */
    select: Type.Optional(Type.Object(
      {
        labels: Type.Optional(Type.Record(Type.String(), Type.String())),
        profile: Type.Optional(ProfileName),
        gateway: Type.Optional(Type.String({ minLength: 1 })),
        /** Only this tenant's devices, and the alarm is that tenant's. Absent: every tenant's, and only platform tokens see the alarm. */
        tenant: Type.Optional(Type.String({ minLength: 1 })),
      },
      { additionalProperties: false },
    )),
    ...AlarmRuleFields,
  },
  { additionalProperties: false },
);
export type HubRule = Static<typeof HubRuleSchema>;

/** The counts as a profile, so rules are parsed and type-checked like any device's alarms. */
const FLEET_PROFILE: DeviceProfile = {
  profile: 'hub-rules',
  version: 1,
  protocol: 'mqtt',
  points: Object.entries(HUB_RULE_POINTS).map(([name, description]) => ({ name, type: 'uint32' as const, description })),
};

/** Parse every rule; problems name `alarms.rules[i].field` and the column. */
export function compileHubRules(rules: readonly HubRule[]): { definitions: AlarmDefinition[]; problems: Problem[] } {
  const names = new Set<string>();
  const duplicates: Problem[] = [];
  rules.forEach((rule, index) => {
    if (names.has(rule.name)) duplicates.push({ path: ['alarms', 'rules', index, 'name'], message: `duplicate rule name "${rule.name}"` });
    names.add(rule.name);
  });
  const alarms = rules.map(({ select: _select, ...alarm }) => alarm);
  const compiled = compileAlarms(FLEET_PROFILE, alarms, (index, field) => ['alarms', 'rules', index, field]);
  return { definitions: compiled.definitions, problems: [...duplicates, ...compiled.problems] };
}
