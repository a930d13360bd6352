import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DurationSchema, parseDuration, type Problem } from '@afferent/device-profiles';
import { Type, type Static } from 'typebox';

/**
 * How gateways and people reach the hub: TLS, the MQTT listeners, the name
 * the hub gives out, provisioning tokens. Without `tls` the hub speaks plain
 * HTTP and MQTT (loopback and development); with it the API is HTTPS and
 * gateways connect over MQTT/TLS, and plain MQTT is off unless asked for.
 */

const Port = Type.Integer({ minimum: 0, maximum: 65535, expected: 'a TCP port 0–65535 (0: any free port)' });
const FilePath = Type.String({ minLength: 1, expected: 'a file path' });

export const TlsConfigSchema = Type.Object(
  {
    /** The server certificate (PEM), optionally followed by its chain. */
    cert: FilePath,
    key: FilePath,
    /** The CA that signed `cert`: its fingerprint goes into provisioning tokens and gateways receive it. */
    ca: Type.Optional(FilePath),
  },
  { additionalProperties: false },
);

export const MqttConfigSchema = Type.Object(
  {
    host: Type.Optional(Type.String({ minLength: 1, expected: 'a host name or IP address to listen on, e.g. 0.0.0.0' })),
    /** Plain MQTT. */
    port: Type.Optional(Port),
    /** MQTT over TLS; needs `tls`. */
    tlsPort: Type.Optional(Port),
    /** Whether the plain listener runs; default: only when there is no `tls`. */
    plain: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const AccessConfigFields = {
  tls: Type.Optional(TlsConfigSchema),
  mqtt: Type.Optional(MqttConfigSchema),
  /** The host name gateways and people reach the hub by (provisioning answers, printed commands); it must be in the certificate. */
  advertisedHost: Type.Optional(Type.String({ minLength: 1, pattern: '^[^\\s/:@]+$|^\\[[0-9A-Fa-f:.]+\\]$', expected: 'a host name or IP address, such as hub.example.com' })),
  provisioning: Type.Optional(Type.Object(
    { /** How long a provisioning token works when the admin does not say; default 24h. */ tokenExpiry: Type.Optional(DurationSchema) },
    { additionalProperties: false },
  )),
};

type AccessFile = { [K in keyof typeof AccessConfigFields]?: Static<(typeof AccessConfigFields)[K]> };

export interface AccessConfig {
  /** Absolute paths. */
  tls?: { cert: string; key: string; ca?: string };
  mqtt: { host: string; port: number; tlsPort: number; plain: boolean };
  /** Default: the API's bind address, or this machine's host name when that is a wildcard. */
  advertisedHost?: string;
  provisioning: { tokenExpiryMs: number };
}

export const DEFAULT_ACCESS_CONFIG: Readonly<AccessConfig> = Object.freeze({
  mqtt: { host: '0.0.0.0', port: 1883, tlsPort: 8883, plain: true },
  provisioning: { tokenExpiryMs: 24 * 3_600_000 },
});

export interface AccessOverrides {
  host?: string;
  mqttPort?: number;
  mqttTlsPort?: number;
}

export function resolveAccessConfig(file: AccessFile, overrides: AccessOverrides, fromFile: (path: string) => string): AccessConfig {
  const tls = file.tls && {
    cert: fromFile(file.tls.cert), key: fromFile(file.tls.key), ...(file.tls.ca !== undefined ? { ca: fromFile(file.tls.ca) } : {}),
  };
  const defaults = DEFAULT_ACCESS_CONFIG.mqtt;
  return {
    ...(tls ? { tls } : {}),
    mqtt: {
      host: overrides.host ?? file.mqtt?.host ?? defaults.host,
      port: overrides.mqttPort ?? file.mqtt?.port ?? defaults.port,
      tlsPort: overrides.mqttTlsPort ?? file.mqtt?.tlsPort ?? defaults.tlsPort,
      plain: file.mqtt?.plain ?? !tls,
    },
    ...(file.advertisedHost !== undefined ? { advertisedHost: file.advertisedHost } : {}),
    provisioning: {
      tokenExpiryMs: file.provisioning?.tokenExpiry !== undefined
        ? parseDuration(file.provisioning.tokenExpiry) : DEFAULT_ACCESS_CONFIG.provisioning.tokenExpiryMs,
    },
  };
}

/** What the schema cannot say: files that must exist, settings that need each other. */
export function checkAccessConfig(file: AccessFile, fileDir: string): Problem[] {
  const problems: Problem[] = [];
  for (const field of ['cert', 'key', 'ca'] as const) {
    const path = file.tls?.[field];
    if (path !== undefined && !existsSync(resolve(fileDir, path))) problems.push({ path: ['tls', field], message: `no such file: ${resolve(fileDir, path)}` });
  }
  if (!file.tls && file.mqtt?.tlsPort !== undefined) problems.push({ path: ['mqtt', 'tlsPort'], message: 'MQTT over TLS needs tls: { cert, key }' });
  if (!file.tls && file.mqtt?.plain === false) problems.push({ path: ['mqtt', 'plain'], message: 'without tls this leaves gateways no MQTT listener at all' });
  return problems;
}
