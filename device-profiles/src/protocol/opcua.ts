import { Type, type Static } from 'typebox';
import { DurationSchema } from '../common/duration.js';
import type { Problem } from '../validation/problem.js';
import type { DeviceProfile } from '../profile/profile-schema.js';

/**
 * OPC UA: each point is a variable node. By default the agent subscribes
 * (monitored items, many per subscription); `mode: poll` reads instead.
 */
const Mode = Type.Enum(['subscribe', 'poll']);

/**
 * A NodeId in the OPC UA string form. Prefer `nsu=<namespace URI>;…` in
 * profiles: namespace indexes differ between servers, namespace URIs do not.
 */
export const NODE_ID_PATTERN = '^(ns=\\d+;|nsu=[^;]+;)?(i=\\d+|s=.+|g=[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|b=[A-Za-z0-9+/=]+)$';

export const OpcuaProfileBlock = Type.Object(
  {
    mode: Type.Optional(Mode),
    /** How often the server samples each variable; default: the device's interval. */
    samplingInterval: Type.Optional(DurationSchema),
    /** Values the server keeps per item between publishes; default 10. */
    queueSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  },
  { additionalProperties: false },
);

export const OpcuaPointBlock = Type.Object(
  {
    nodeId: Type.String({ pattern: NODE_ID_PATTERN, expected: 'a NodeId such as ns=2;s=Boiler.Temperature, nsu=urn:vendor:plc;i=1001 or i=2258' }),
    mode: Type.Optional(Mode),
    samplingInterval: Type.Optional(DurationSchema),
    queueSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  },
  { additionalProperties: false },
);

export const OPCUA_SECURITY_MODES = ['None', 'Sign', 'SignAndEncrypt'] as const;
export const OPCUA_SECURITY_POLICIES = ['None', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss'] as const;

/** Where an OPC UA server is and how to talk to it securely. */
export const OpcuaConnectionSchema = Type.Object(
  {
    url: Type.String({ pattern: '^opc\\.tcp://[^\\s/]+(/.*)?$', expected: 'an endpoint such as opc.tcp://plc-7:4840' }),
    securityMode: Type.Optional(Type.Enum(OPCUA_SECURITY_MODES)),
    /** Default: None without security, Basic256Sha256 with it. */
    securityPolicy: Type.Optional(Type.Enum(OPCUA_SECURITY_POLICIES)),
    username: Type.Optional(Type.String({ minLength: 1 })),
    password: Type.Optional(Type.String()),
    passwordFile: Type.Optional(Type.String({ minLength: 1 })),
    /**
     * Trust a server certificate the agent has not seen (and keep it as
     * trusted). Default false: it is refused and kept under the agent's
     * pki/rejected until someone trusts it (`edge-agent opcua-trust`).
     */
    acceptUnknownCertificate: Type.Optional(Type.Boolean()),
    /** Per-request timeout; default 5s. */
    timeout: Type.Optional(DurationSchema),
  },
  { additionalProperties: false },
);

export type OpcuaProfileBlock = Static<typeof OpcuaProfileBlock>;
export type OpcuaPointBlock = Static<typeof OpcuaPointBlock>;
export type OpcuaConnection = Static<typeof OpcuaConnectionSchema>;

export function checkOpcuaProfile(profile: DeviceProfile): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  profile.points.forEach((point, index) => {
    const nodeId = point.opcua?.nodeId;
    if (!nodeId) return;
    const first = seen.get(nodeId);
    if (first !== undefined) problems.push({ path: ['points', index, 'opcua', 'nodeId'], message: `node ${nodeId} is already points[${first}]` });
    else seen.set(nodeId, index);
  });
  return problems;
}
