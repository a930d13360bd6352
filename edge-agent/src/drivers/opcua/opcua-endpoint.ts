import type { Logger } from 'pino';
import { DriverError } from '../driver.js';
import { ReconnectBackoff } from '../reconnect-backoff.js';
import { losesConnection, toDriverError } from './opcua-errors.js';
import { OpcuaLink, type LinkSettings } from './opcua-link.js';
import type { AgentPki } from './opcua-pki.js';
import { SubscriptionPool } from './opcua-subscriptions.js';

/**
 * One OPC UA server as the agent sees it: a client and session shared by
 * every device on the same endpoint with the same security and user. Reads
 * and writes connect on demand; while there are subscriptions it also
 * reconnects on its own, with backoff, and has the pool re-create them.
 */
export class OpcuaEndpoint {
  readonly pool: SubscriptionPool;
  private link: OpcuaLink | undefined;
  private opening: Promise<OpcuaLink> | undefined;
  private readonly backoff = new ReconnectBackoff(250, 10_000);
  private healTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly settings: LinkSettings,
    private readonly pki: AgentPki,
    private readonly log?: Logger,
  ) {
    this.pool = new SubscriptionPool(this, log);
  }

  get url(): string {
    return this.settings.url;
  }

  /** The live link, connecting if needed; fails at once while a retry is not due yet. */
  connect(): Promise<OpcuaLink> {
    if (this.closed) return Promise.reject(new DriverError('unreachable', `${this.url}: closed by the agent`));
    if (this.link) return Promise.resolve(this.link);
    if (this.opening) return this.opening;
    if (this.backoff.waitMs() > 0) return Promise.reject(new DriverError('unreachable', `${this.url}: unreachable (${this.backoff.describe()})`));
    this.opening = this.open().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  /** Run one service call; an error that means the connection is gone drops the link. */
  async run<T>(where: string, call: (link: OpcuaLink) => Promise<T>): Promise<T> {
    const link = await this.connect();
    try {
      return await call(link);
    } catch (raw) {
      const error = toDriverError(raw, where);
      if (losesConnection(error)) this.lost(link, error);
      throw error;
    }
  }

  restart(reason: DriverError): void {
    if (this.link) this.lost(this.link, reason);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.healTimer);
    await this.opening?.catch(() => undefined);
    await this.pool.close();
    const link = this.link;
    this.link = undefined;
    await link?.close();
  }

  private async open(): Promise<OpcuaLink> {
    let opened: OpcuaLink | undefined;
    try {
      opened = await OpcuaLink.open(this.settings, this.pki, (error) => opened && this.lost(opened, error));
    } catch (raw) {
      const cause = toDriverError(raw, this.url);
      // A server that refuses the channel or the session (certificate, user) is as unreachable as one that is off.
      const error = cause.kind === 'timeout' ? cause : new DriverError('unreachable', cause.message, cause.code);
      this.backoff.failed(error.message.replace(`${this.url}: `, ''));
      this.pool.detach(error);
      this.heal();
      throw error;
    }
    if (this.closed) {
      await opened.close();
      throw new DriverError('unreachable', `${this.url}: closed by the agent`);
    }
    if (this.backoff.failedAttempts > 0) this.log?.info({ url: this.url, after: this.backoff.failedAttempts }, 'OPC UA connection restored');
    this.backoff.succeeded();
    this.link = opened;
    this.pool.attach(opened);
    return opened;
  }

  private lost(link: OpcuaLink, error: DriverError): void {
    if (this.link !== link) return;
    this.link = undefined;
    this.log?.warn({ url: this.url, err: error.message }, 'OPC UA connection lost');
    this.pool.detach(error);
    void link.close();
    this.heal();
  }

  /** Subscriptions want a connection even when nothing reads: keep trying while they exist. */
  private heal(): void {
    if (this.closed || this.healTimer || !this.pool.wantsConnection) return;
    this.healTimer = setTimeout(() => {
      this.healTimer = undefined;
      // A failure schedules the next attempt itself.
      this.connect().catch(() => undefined);
    }, this.backoff.waitMs());
  }
}
