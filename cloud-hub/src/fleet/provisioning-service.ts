import { formatProvisioningToken, parseProvisioningToken, type Labels, type Location, type ProvisionResponse } from '@afferent/device-profiles';
import type { GatewayConnections } from '../access/gateway-presence.js';
import type { TlsMaterial } from '../access/tls/tls-material.js';
import { ApiError } from '../api/errors.js';
import type { Logger } from '../logging/logger.js';
import { GatewayExistsError, type GatewayPatch, type GatewayRecord } from '../registry/gateway-registry.js';
import type { Registry } from '../registry/registry.js';

/** Where gateways and people reach this hub, as it advertises itself. */
export interface HubEndpoints {
  /** e.g. https://hub.example.com:8080 */
  api: string;
  /** e.g. mqtts://hub.example.com:8883 */
  mqtt: string;
}

export interface ProvisioningDeps {
  registry: Registry;
  connections: GatewayConnections;
  /** Known once the listeners are bound. */
  endpoints(): HubEndpoints;
  /** The hub's TLS material, when it has TLS: its CA's fingerprint goes into every token. */
  tls?: Pick<TlsMaterial, 'ca' | 'caFingerprint'>;
  tokenExpiryMs: number;
  logger: Logger;
  now?: () => number;
}

/** A token as the admin receives it. */
export interface IssuedToken {
  token: string;
  expires: number;
  /** The API the gateway exchanges it at. */
  hub: string;
}

/**
 * Gateways' lives: created with a one-time provisioning token; the token
 * exchanged (once, before it expires) for the gateway's own MQTT password;
 * disabled (its connections cut at once, reconnects refused) and enabled;
 * rotated (password forgotten, connections cut, a new token issued).
 */
export class ProvisioningService {
  private readonly now: () => number;

  constructor(private readonly deps: ProvisioningDeps) {
    this.now = deps.now ?? Date.now;
  }

  create(fields: { id: string; name?: string; labels?: Labels; location?: Location }, expiresInMs?: number): { gateway: GatewayRecord; provisioning: IssuedToken } {
    let gateway: GatewayRecord;
    try {
      gateway = this.deps.registry.gateways.create(fields.id, fields);
    } catch (error) {
      if (error instanceof GatewayExistsError) throw new ApiError('gateway_exists', `gateway ${JSON.stringify(error.id)} already exists`);
      throw error;
    }
    this.deps.logger.info({ gateway: gateway.id }, 'gateway created');
    return { gateway, provisioning: this.issue(gateway.id, expiresInMs) };
  }

  /** Exchange a token for the gateway's credentials. A token works once; the previous password stops working. */
  async exchange(text: string): Promise<ProvisionResponse> {
    const parsed = parseProvisioningToken(text);
    const claim = parsed ? this.deps.registry.provisioningTokens.claim(parsed.secret, this.now()) : { outcome: 'unknown' as const };
    if (claim.outcome !== 'claimed') {
      this.deps.logger.warn({ reason: claim.outcome, gateway: 'gateway' in claim ? claim.gateway : undefined }, 'provisioning refused');
      if (claim.outcome === 'unknown') throw new ApiError('provisioning_token_invalid');
      const when = new Date(claim.at).toISOString();
      throw claim.outcome === 'used'
        ? new ApiError('provisioning_token_used', `this provisioning token was used at ${when}; an admin can issue a new one with: afferent gateways rotate ${claim.gateway}`)
        : new ApiError('provisioning_token_expired', `this provisioning token expired at ${when}; an admin can issue a new one with: afferent gateways rotate ${claim.gateway}`);
    }
    const gateway = this.deps.registry.gateways.get(claim.gateway);
    if (!gateway?.enabled) throw new ApiError('gateway_disabled', `gateway ${claim.gateway} is disabled; enable it first`);
    const password = await this.deps.registry.gateways.issuePassword(gateway.id);
    // Whoever was connected with the old password is not this gateway any more.
    await this.deps.connections.drop(gateway.id);
    this.deps.logger.info({ gateway: gateway.id }, 'gateway provisioned: credentials issued');
    return {
      gateway: gateway.id,
      mqtt: { url: this.deps.endpoints().mqtt, username: gateway.id, password },
      ...(this.deps.tls?.ca ? { ca: this.deps.tls.ca } : {}),
    };
  }


  /** New credentials: the current password stops working now, connections are cut, and a new token is issued. */
  async rotate(id: string, expiresInMs?: number): Promise<{ gateway: GatewayRecord; provisioning: IssuedToken }> {
    this.find(id);
    this.deps.registry.gateways.clearPassword(id);
    await this.deps.connections.drop(id);
    this.deps.logger.info({ gateway: id }, 'gateway credentials rotated: password withdrawn');
    return { gateway: this.find(id), provisioning: this.issue(id, expiresInMs) };
  }

  /**
   * Change name, labels, location or `enabled`. A disabled gateway loses its
   * connections before this resolves, and cannot connect again.
   */
  async update(id: string, patch: GatewayPatch): Promise<GatewayRecord> {
    const gateway = this.deps.registry.gateways.update(id, patch);
    if (!gateway) throw notFound(id);
    if (patch.enabled !== undefined) this.deps.logger.info({ gateway: id }, patch.enabled ? 'gateway enabled' : 'gateway disabled');
    if (patch.enabled === false) await this.deps.connections.drop(id);
    return this.find(id);
  }

  private find(id: string): GatewayRecord {
    const gateway = this.deps.registry.gateways.get(id);
    if (!gateway) throw notFound(id);
    return gateway;
  }

  private issue(gateway: string, expiresInMs = this.deps.tokenExpiryMs): IssuedToken {
    const expires = this.now() + expiresInMs;
    const secret = this.deps.registry.provisioningTokens.issue(gateway, expires, this.now());
    const fingerprint = this.deps.tls?.caFingerprint;
    this.deps.logger.info({ gateway, expires: new Date(expires).toISOString() }, 'provisioning token issued');
    return { token: formatProvisioningToken({ secret, ...(fingerprint ? { fingerprint } : {}) }), expires, hub: this.deps.endpoints().api };
  }
}

function notFound(id: string): ApiError {
  return new ApiError('gateway_not_found', `no gateway ${JSON.stringify(id)}`);
}
