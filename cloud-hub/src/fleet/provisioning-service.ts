import { formatProvisioningToken, parseProvisioningToken, type Labels, type Location, type ProvisionResponse } from '@afferent/device-profiles';
import type { GatewayConnections } from '../access/gateway-presence.js';
import type { TlsMaterial } from '../access/tls/tls-material.js';
import { ApiError } from '../api/errors.js';
import type { Logger } from '../logging/logger.js';
import { GatewayExistsError, type GatewayPatch, type GatewayRecord } from '../registry/gateway-registry.js';
import type { Registry } from '../registry/registry.js';
import type { TokenIdentity } from '../registry/token-registry.js';

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

  /** A gateway of `tenant` and its first token, with the audit entry, in one transaction. */
  create(fields: { id: string; name?: string; labels?: Labels; location?: Location }, tenant: string, actor: TokenIdentity,
    expiresInMs?: number): { gateway: GatewayRecord; provisioning: IssuedToken } {
    const { registry } = this.deps;
    const created = registry.atomically(() => {
      let gateway: GatewayRecord;
      try {
        gateway = registry.gateways.create(fields.id, tenant, fields);
      } catch (error) {
        // Gateway ids are MQTT usernames, unique across the hub: this is the one answer that tells of another tenant's gateway.
        if (error instanceof GatewayExistsError) throw new ApiError('gateway_exists', `gateway ${JSON.stringify(error.id)} already exists`);
        throw error;
      }
      const provisioning = this.issue(gateway.id, expiresInMs);
      registry.audit.record({
        actor, tenant, action: 'gateway.create', target: gateway.id, outcome: 'ok',
        details: { name: gateway.name, labels: gateway.labels, provisioningExpires: provisioning.expires },
      });
      return { gateway, provisioning };
    });
    this.deps.logger.info({ gateway: fields.id, tenant, by: actor.name }, 'gateway created');
    return created;
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
  async rotate(id: string, actor: TokenIdentity, expiresInMs?: number): Promise<{ gateway: GatewayRecord; provisioning: IssuedToken }> {
    const { registry } = this.deps;
    const provisioning = registry.atomically(() => {
      const { tenant } = this.find(id);
      registry.gateways.clearPassword(id);
      const issued = this.issue(id, expiresInMs);
      registry.audit.record({ actor, tenant, action: 'gateway.rotate', target: id, outcome: 'ok', details: { provisioningExpires: issued.expires } });
      return issued;
    });
    await this.deps.connections.drop(id);
    this.deps.logger.info({ gateway: id, by: actor.name }, 'gateway credentials rotated: password withdrawn');
    return { gateway: this.find(id), provisioning };
  }

  /**
   * Change name, labels, location or `enabled`. A disabled gateway loses its
   * connections before this resolves, and cannot connect again.
   */
  async update(id: string, patch: GatewayPatch, actor: TokenIdentity): Promise<GatewayRecord> {
    const { registry } = this.deps;
    registry.atomically(() => {
      const gateway = registry.gateways.update(id, patch);
      if (!gateway) throw notFound(id);
      // Only `enabled`: the action says it all; anything else is an update, with what changed.
      const onlySwitch = Object.keys(patch).length === 1 && patch.enabled !== undefined;
      registry.audit.record({
        actor, tenant: gateway.tenant, target: id, outcome: 'ok',
        ...(onlySwitch ? { action: patch.enabled ? 'gateway.enable' : 'gateway.disable' } : { action: 'gateway.update', details: { ...patch } }),
      });
    });
    if (patch.enabled !== undefined) this.deps.logger.info({ gateway: id, by: actor.name }, patch.enabled ? 'gateway enabled' : 'gateway disabled');
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
