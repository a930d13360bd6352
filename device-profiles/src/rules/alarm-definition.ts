import { Type, type Static } from 'typebox';
import { DurationSchema, parseDuration } from '../common/duration.js';
import { PointName, SEVERITIES, type DeviceProfile, type ProfileAlarm, type Severity } from '../profile/profile-schema.js';
import type { Problem } from '../validation/problem.js';
import { ExpressionError } from './expression-lexer.js';
import { parseCondition, type Condition } from './expression-parser.js';
import { templatePoints } from './message-template.js';

/**
 * Per-device changes to a profile's alarms, in the gateway configuration:
 * change a threshold, disable an alarm, or add one the model does not have.
 *   alarms: { overvoltage: { when: "voltage > 250" }, undervoltage: { enabled: false } }
 */
export const AlarmOverrideSchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    when: Type.Optional(Type.String({ minLength: 1 })),
    clear: Type.Optional(Type.String({ minLength: 1 })),
    for: Type.Optional(DurationSchema),
    clearFor: Type.Optional(DurationSchema),
    severity: Type.Optional(Type.Enum(SEVERITIES)),
    message: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export const AlarmOverridesSchema = Type.Record(PointName, AlarmOverrideSchema, { additionalProperties: false });
export type AlarmOverrides = Static<typeof AlarmOverridesSchema>;

/** An alarm ready to evaluate: conditions parsed and checked against the profile. */
export interface AlarmDefinition {
  name: string;
  severity: Severity;
  when: Condition;
  /** Absent: the alarm clears when `when` is false. */
  clear?: Condition;
  forMs: number;
  clearForMs: number;
  message: string;
}

/** The profile's alarms with a device's overrides applied, in the order they are defined. */
export function effectiveAlarms(profile: DeviceProfile, overrides: AlarmOverrides = {}): { alarms: ProfileAlarm[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const alarms: ProfileAlarm[] = [];
  for (const alarm of profile.alarms ?? []) {
    const override = overrides[alarm.name];
    if (override?.enabled === false) continue;
    const { enabled: _enabled, ...changes } = override ?? {};
    alarms.push({ ...alarm, ...changes });
  }
  for (const [name, override] of Object.entries(overrides)) {
    if (profile.alarms?.some((a) => a.name === name) || override.enabled === false) continue;
    if (!override.when || !override.severity) {
      problems.push({ path: ['alarms', name], message: `"${name}" is not an alarm of profile ${profile.profile}; a new alarm needs when and severity` });
      continue;
    }
    const { enabled: _enabled, when, severity, ...rest } = override;
    alarms.push({ name, when, severity, ...rest });
  }
  return { alarms, problems };
}

/** Parse every alarm; problems name the alarm, the field and the column. */
export function compileAlarms(
  profile: DeviceProfile,
  alarms: readonly ProfileAlarm[] = profile.alarms ?? [],
  pathOf: (index: number, field: string) => (string | number)[] = (index, field) => ['alarms', index, field],
): { definitions: AlarmDefinition[]; problems: Problem[] } {
  const points = new Map(profile.points.map((p) => [p.name, p]));
  const problems: Problem[] = [];
  const definitions: AlarmDefinition[] = [];
  alarms.forEach((alarm, index) => {
    const parse = (field: 'when' | 'clear', text: string): Condition | undefined => {
      try {
        return parseCondition(text, points);
      } catch (error) {
        if (!(error instanceof ExpressionError)) throw error;
        problems.push({ path: pathOf(index, field), message: `alarm ${alarm.name}: ${error.message} in "${text}"` });
        return undefined;
      }
    };
    const when = parse('when', alarm.when);
    const clear = alarm.clear === undefined ? undefined : parse('clear', alarm.clear);
    for (const name of templatePoints(alarm.message ?? '')) {
      if (!points.has(name)) problems.push({ path: pathOf(index, 'message'), message: `alarm ${alarm.name}: the message names unknown point {${name}}` });
    }
    if (!when || (alarm.clear !== undefined && !clear)) return;
    definitions.push({
      name: alarm.name,
      severity: alarm.severity,
      when,
      ...(clear && { clear }),
      forMs: alarm.for ? parseDuration(alarm.for) : 0,
      clearForMs: alarm.clearFor ? parseDuration(alarm.clearFor) : 0,
      message: alarm.message ?? `${alarm.name}: ${alarm.when}`,
    });
  });
  return { definitions, problems };
}
