import { Type, type Static } from 'typebox';
import { GatewayId } from '../common/identifiers.js';

/**
 * Provisioning: how a gateway gets its own credentials from a one-time token,
 * the one exchange between agent and hub that is not MQTT. The agent posts
 * the token to the hub's public `POST /api/v1/provision` over HTTPS.
 *
 * A token is `<secret>.<fingerprint>`: 32 random bytes (base64url, 43
 * characters), a dot, and the SHA-256 of the hub's CA certificate (64 hex
 * digits). The fingerprint lets the agent trust the hub on first contact
 * without a CA file copied to it beforehand (as kubeadm's discovery hash
 * does): it accepts only a certificate chain that contains a CA with that
 * fingerprint. A hub whose certificate is signed by a public CA issues tokens
 * without the fingerprint (just the secret); the agent then trusts its
 * system's CA store.
 */
export const PROVISION_PATH = '/api/v1/provision';

const SECRET = /^[A-Za-z0-9_-]{43}$/;
const FINGERPRINT = /^[0-9a-f]{64}$/;

export interface ProvisioningToken {
  secret: string;
  /** SHA-256 of the hub's CA certificate (DER), lowercase hex. */
  fingerprint?: string;
}

export function formatProvisioningToken(token: ProvisioningToken): string {
  return token.fingerprint ? `${token.secret}.${token.fingerprint}` : token.secret;
}

/** The parts of a token, or undefined when it cannot be one (a typo, a truncated paste). */
export function parseProvisioningToken(text: string): ProvisioningToken | undefined {
  const [secret, fingerprint, ...rest] = text.trim().split('.');
  if (rest.length > 0 || !secret || !SECRET.test(secret)) return undefined;
  if (fingerprint === undefined) return { secret };
  const normalised = fingerprint.replaceAll(':', '').toLowerCase();
  return FINGERPRINT.test(normalised) ? { secret, fingerprint: normalised } : undefined;
}

export const ProvisionRequestSchema = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 256, description: 'the one-time provisioning token' }) },
  { additionalProperties: false },
);

export const ProvisionResponseSchema = Type.Object({
  gateway: GatewayId,
  mqtt: Type.Object({
    /** Where to connect: the hub's MQTT endpoint as it advertises it (mqtts:// when it has TLS). */
    url: Type.String(),
    username: Type.String(),
    /** Shown only in this answer; the hub keeps a hash. */
    password: Type.String(),
  }),
  /** The hub's CA certificate(s), PEM, to verify it by from now on. */
  ca: Type.Optional(Type.String()),
});

export type ProvisionRequest = Static<typeof ProvisionRequestSchema>;
export type ProvisionResponse = Static<typeof ProvisionResponseSchema>;
