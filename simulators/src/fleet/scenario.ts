import { readFileSync } from 'node:fs';
import { Type, type Static } from 'typebox';
import {
  DurationSchema, MqttConnectionSchema, OPCUA_SECURITY_MODES, ProfileName, ValidationError, checkSchema, locateProblems, parseYamlSource,
  type DeviceProfile, type Problem, type Protocol,
} from '@afferent/device-profiles';
import { FaultSchema } from '../device/fault.js';
import { SignalSpecSchema } from '../signals/signal-spec.js';

/**
 * A fleet of simulated devices in a few lines of YAML. The profile decides
 * the protocol; each protocol has its own fields:
 *
 *   devices:
 *     - { profile: eastron-sdm120, count: 40, port: 15020, unitId: 1, unitsPerPort: 40, idPrefix: meter }
 *     - { profile: opcua-boiler, port: 4840, security: { modes: [SignAndEncrypt] } }
 *     - { profile: coap-env-senml, count: 3, port: 5683 }
 *     - { profile: tasmota-smart-plug, count: 2, broker: mqtt://site-broker:1883, base: "plug_{id}" }
 */
const OpcuaSecuritySchema = Type.Object(
  {
    allowAnonymous: Type.Optional(Type.Boolean()),
    users: Type.Optional(Type.Array(Type.Object({ username: Type.String({ minLength: 1 }), password: Type.String() }, { additionalProperties: false }))),
    modes: Type.Optional(Type.Array(Type.Enum(OPCUA_SECURITY_MODES), { minItems: 1 })),
  },
  { additionalProperties: false },
);

export const DeviceGroupSchema = Type.Object(
  {
    profile: ProfileName,
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    /** Modbus, OPC UA, CoAP: the first port; 0 or absent: free ports. OPC UA and CoAP devices get one port each. */
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    /** Modbus: the first unit id on each port. */
    unitId: Type.Optional(Type.Integer({ minimum: 1, maximum: 247 })),
    /** Modbus: devices that share one port (like slaves behind one serial gateway) before the next port is used. */
    unitsPerPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 247 })),
    /** OPC UA: who may connect, and how (default: anonymous, None and SignAndEncrypt). */
    security: Type.Optional(OpcuaSecuritySchema),
    /** MQTT: the site broker the devices publish to (the CLI's --broker overrides it). */
    broker: Type.Optional(MqttConnectionSchema.properties.url),
    username: MqttConnectionSchema.properties.username,
    password: MqttConnectionSchema.properties.password,
    /** MQTT: each device's topic root, `{id}` being its id; default `{id}`. */
    base: MqttConnectionSchema.properties.base,
    /** MQTT: how often each device publishes; default 1s. */
    publishInterval: Type.Optional(DurationSchema),
    retain: Type.Optional(Type.Boolean()),
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

/** The group fields that belong to some protocols only. */
const PROTOCOL_FIELDS: Partial<Record<keyof DeviceGroup, readonly Protocol[]>> = {
  port: ['modbus', 'opcua', 'coap'],
  unitId: ['modbus'],
  unitsPerPort: ['modbus'],
  security: ['opcua'],
  broker: ['mqtt'],
  username: ['mqtt'],
  password: ['mqtt'],
  base: ['mqtt'],
  publishInterval: ['mqtt'],
  retain: ['mqtt'],
};

export const ScenarioSchema = Type.Object(
  {
    host: Type.Optional(Type.String()),
    seed: Type.Optional(Type.Integer()),
    profileDirs: Type.Optional(Type.Array(Type.String())),
    /** Start a site MQTT broker (with generated credentials) for the MQTT groups that name no broker. */
    siteBroker: Type.Optional(Type.Object({ port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })) }, { additionalProperties: false })),
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

/** Problems a scenario has against the profiles it names (unknown profile, fields of another protocol, signal for a missing point). */
export function checkScenarioProfiles(scenario: Scenario, profiles: ReadonlyMap<string, DeviceProfile>): Problem[] {
  const problems: Problem[] = [];
  scenario.devices.forEach((group, index) => {
    const profile = profiles.get(group.profile);
    if (!profile) {
      problems.push({ path: ['devices', index, 'profile'], message: `unknown profile "${group.profile}"; known: ${[...profiles.keys()].join(', ')}` });
      return;
    }
    for (const [field, protocols] of Object.entries(PROTOCOL_FIELDS)) {
      if (group[field as keyof DeviceGroup] !== undefined && !protocols.includes(profile.protocol)) {
        problems.push({ path: ['devices', index, field], message: `applies to ${protocols.join(', ')} devices; ${profile.profile} is ${profile.protocol}` });
      }
    }
    if (profile.protocol === 'mqtt' && group.broker === undefined && !scenario.siteBroker) {
      problems.push({ path: ['devices', index, 'broker'], message: `${profile.profile} is an MQTT device: the group needs the broker it publishes to (or the scenario a siteBroker)` });
    }
    for (const point of Object.keys(group.signals ?? {})) {
      if (!profile.points.some((p) => p.name === point)) {
        problems.push({ path: ['devices', index, 'signals', point], message: `profile ${profile.profile} has no point "${point}"` });
      }
    }
  });
  return problems;
}
