import { Type, type Static } from 'typebox';
import { DurationSchema, GatewayId } from '@afferent/device-profiles';

/**
 * The gateway configuration file (YAML). One schema gives the validator, the
 * TypeScript type and the reference in README.md. Defaults are in
 * AGENT_DEFAULTS; every relative path is relative to the file's folder.
 */

const SIZE = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)$/;
const SIZE_UNITS = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30 } as const;

export const SizeSchema = Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: SIZE.source })], {
  expected: 'a size in bytes, or with a unit such as 256MiB or 1GB',
});

export function parseSize(size: number | string): number {
  if (typeof size === 'number') return size;
  const match = SIZE.exec(size);
  if (!match) throw new Error(`not a size: ${JSON.stringify(size)}`);
  return Math.round(Number(match[1]) * SIZE_UNITS[match[2] as keyof typeof SIZE_UNITS]);
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const AgentConfigSchema = Type.Object(
  {
    gateway: Type.Object({ id: GatewayId }, { additionalProperties: false }),
    /** Every field may come from `edge-agent provision` instead (dataDir/credentials.json, dataDir/hub-ca.pem). */
    hub: Type.Optional(Type.Object(
      {
        url: Type.Optional(Type.String({ pattern: '^mqtts?://[^\\s/?#]+/?$', expected: 'an MQTT url such as mqtts://hub.example.com:8883' })),
        /** Default: the provisioned username, else the gateway id. */
        username: Type.Optional(Type.String({ minLength: 1 })),
        password: Type.Optional(Type.String()),
        /** A file holding the password (trailing newline ignored): keeps the secret out of the config. */
        passwordFile: Type.Optional(Type.String({ minLength: 1 })),
        /** The CA certificate(s) an mqtts:// hub is verified with; default: the one provisioning stored, else the system's. */
        ca: Type.Optional(Type.String({ minLength: 1 })),
      },
      { additionalProperties: false },
    )),
    dataDir: Type.Optional(Type.String({ minLength: 1 })),
    /** Folders of extra profiles; the built-in library always loads. */
    profileDirs: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** Device instances and templates (see device-profiles); a config pushed by the hub replaces them. */
    devices: Type.Optional(Type.Array(Type.Unknown())),
    outbox: Type.Optional(
      Type.Object(
        {
          maxBytes: Type.Optional(SizeSchema),
          maxAge: Type.Optional(DurationSchema),
          /** normal: survives a process crash; full: also a power loss (one fsync per batch). */
          synchronous: Type.Optional(Type.Enum(['normal', 'full'] as const)),
        },
        { additionalProperties: false },
      ),
    ),
    uplink: Type.Optional(
      Type.Object(
        {
          batchMaxReadings: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
          batchLinger: Type.Optional(DurationSchema),
          inflight: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          ackTimeout: Type.Optional(DurationSchema),
          /** Readings per second of backlog sent after an outage, alongside live data; 0: no limit. */
          backfillRate: Type.Optional(Type.Integer({ minimum: 0 })),
        },
        { additionalProperties: false },
      ),
    ),
    status: Type.Optional(
      Type.Object(
        {
          host: Type.Optional(Type.String({ minLength: 1 })),
          port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
        },
        { additionalProperties: false },
      ),
    ),
    logLevel: Type.Optional(Type.Enum(LOG_LEVELS)),
  },
  { additionalProperties: false },
);

export type AgentConfigFile = Static<typeof AgentConfigSchema>;

export const AGENT_DEFAULTS = {
  dataDir: '.afferent/agent',
  outbox: { maxBytes: '256MiB', maxAge: '7d', synchronous: 'normal' },
  uplink: { batchMaxReadings: 500, batchLinger: '20ms', inflight: 8, ackTimeout: '15s', backfillRate: 5000 },
  status: { host: '127.0.0.1', port: 9464 },
  logLevel: 'info',
} as const;

/** Shortest poll interval accepted: below it a device would be polled in a busy loop. */
export const MIN_INTERVAL_MS = 10;
