import { SEVERITIES, type Problem, type Severity } from '@afferent/device-profiles';
import { Type, type Static } from 'typebox';
import { compileHubRules, HubRuleSchema, type HubRule } from './hub-rules-config.js';

/** The `alarms` section of the hub configuration. */

export const WEBHOOK_EVENTS = ['raised', 'cleared', 'acked'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const WebhookSchema = Type.Object(
  {
    url: Type.String({ pattern: '^https?://[^\\s]+$', expected: 'an http:// or https:// URL' }),
    /** Only alarms of these severities; all when absent. */
    severities: Type.Optional(Type.Array(Type.Enum(SEVERITIES), { minItems: 1 })),
    /** Only these transitions (a manual clear is a `cleared`); all when absent. */
    events: Type.Optional(Type.Array(Type.Enum(WEBHOOK_EVENTS), { minItems: 1 })),
    /** Signs each body: `X-Afferent-Signature: sha256=<hex HMAC-SHA256 of the body>`. Its length is checked by checkAlarmsConfig, which never shows it. */
    secret: Type.Optional(Type.String({ minLength: 1, expected: 'a shared secret' })),
  },
  { additionalProperties: false },
);

export const AlarmsConfigSchema = Type.Object(
  {
    webhooks: Type.Optional(Type.Array(WebhookSchema)),
    rules: Type.Optional(Type.Array(HubRuleSchema)),
  },
  { additionalProperties: false },
);
export type AlarmsConfigFile = Static<typeof AlarmsConfigSchema>;

export interface Webhook {
  url: string;
  severities?: Severity[];
  events?: WebhookEvent[];
  secret?: string;
}

export interface AlarmsConfig {
  webhooks: Webhook[];
  rules: HubRule[];
}

const MIN_SECRET_LENGTH = 16;

/** What the schema cannot say: rules that do not parse, and secrets too short to sign with (never echoed). */
export function checkAlarmsConfig(file: AlarmsConfigFile = {}): Problem[] {
  const problems: Problem[] = [];
  (file.webhooks ?? []).forEach((webhook, index) => {
    if (webhook.secret !== undefined && webhook.secret.length < MIN_SECRET_LENGTH) {
      problems.push({ path: ['alarms', 'webhooks', index, 'secret'], message: `too short: use at least ${MIN_SECRET_LENGTH} characters (32 random ones are better)` });
    }
  });
  return [...problems, ...compileHubRules(file.rules ?? []).problems];
}

export function resolveAlarmsConfig(file: AlarmsConfigFile = {}): AlarmsConfig {
  return { webhooks: file.webhooks ?? [], rules: file.rules ?? [] };
}
