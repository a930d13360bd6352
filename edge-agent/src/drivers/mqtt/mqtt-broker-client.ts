import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { connect, type MqttClient } from 'mqtt';
import { DriverError } from '../driver.js';
import { ReconnectBackoff } from '../reconnect-backoff.js';

export interface BrokerSettings {
  url: string;
  username?: string;
  password?: string;
}

/** Told about every message on a topic, and about the broker connection coming and going. */
export interface TopicListener {
  message(topic: string, payload: Buffer): void;
  connected(): void;
  disconnected(error: DriverError): void;
}

/**
 * One MQTT connection to a site broker, shared by every device behind it
 * (same URL and credentials). It subscribes to the topics its devices
 * listen on and routes each message to them. mqtt.js's own fixed-period
 * reconnect is off: after a drop it reconnects with the agent's backoff,
 * and subscribes again on every connect (a restarted broker forgot them).
 */
export class BrokerClient {
  private readonly client: MqttClient;
  private readonly routes = new Map<string, Set<TopicListener>>();
  private readonly listeners = new Set<TopicListener>();
  private readonly backoff = new ReconnectBackoff(250, 10_000);
  private retry: NodeJS.Timeout | undefined;
  private lastError = 'not connected yet';
  private pending = true;
  private closed = false;

  constructor(
    readonly settings: BrokerSettings,
    private readonly log?: Logger,
  ) {
    this.client = connect(settings.url, {
      protocolVersion: 4,
      clientId: `afferent-agent-${randomBytes(6).toString('hex')}`,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...(settings.username !== undefined && { username: settings.username }),
      ...(settings.password !== undefined && { password: settings.password }),
    });
    this.client.on('connect', () => this.onConnect());
    this.client.on('message', (topic, payload) => {
      for (const listener of this.routes.get(topic) ?? []) listener.message(topic, payload);
    });
    this.client.on('error', (error) => {
      this.lastError = error.message;
      this.log?.debug({ url: settings.url, err: error.message }, 'mqtt broker error');
    });
    this.client.on('close', () => this.onClose());
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** A connection attempt is under way: its listeners hear `connected` or `disconnected` next. */
  get connecting(): boolean {
    return this.pending && !this.closed;
  }

  /** Connected now, or once the attempt under way succeeds; fails at once while waiting to retry. */
  ready(timeoutMs: number): Promise<void> {
    if (this.client.connected) return Promise.resolve();
    if (!this.connecting) return Promise.reject(this.unreachable);
    return new Promise((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        this.client.off('connect', settle);
        this.client.off('close', settle);
        if (this.client.connected) resolve();
        else reject(this.unreachable);
      };
      const timer = setTimeout(settle, timeoutMs);
      this.client.on('connect', settle);
      this.client.on('close', settle);
    });
  }

  /** Why it is not connected, for an error message. */
  get unreachable(): DriverError {
    return new DriverError('unreachable', `${this.settings.url}: broker not connected (${this.lastError})`);
  }

  add(listener: TopicListener, topics: readonly string[]): void {
    this.listeners.add(listener);
    const fresh = topics.filter((topic) => !this.routes.has(topic));
    for (const topic of topics) {
      let set = this.routes.get(topic);
      if (!set) this.routes.set(topic, (set = new Set()));
      set.add(listener);
    }
    if (this.client.connected && fresh.length > 0) this.subscribe(fresh);
    if (this.client.connected) listener.connected();
  }

  remove(listener: TopicListener): void {
    this.listeners.delete(listener);
    const gone: string[] = [];
    for (const [topic, set] of this.routes) {
      if (set.delete(listener) && set.size === 0) {
        this.routes.delete(topic);
        gone.push(topic);
      }
    }
    if (this.client.connected && gone.length > 0) this.client.unsubscribe(gone);
  }

  /** Publish at QoS 1; resolves when the broker has it. */
  publish(topic: string, payload: Buffer): Promise<void> {
    if (!this.client.connected) return Promise.reject(this.unreachable);
    return new Promise((resolve, reject) => {
      this.client.publish(topic, payload, { qos: 1 }, (error) => {
        if (error) reject(new DriverError('unreachable', `${this.settings.url}: publish to ${topic}: ${error.message}`));
        else resolve();
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.client.endAsync(true);
  }

  private onConnect(): void {
    this.pending = false;
    if (this.backoff.failedAttempts > 0) this.log?.info({ url: this.settings.url }, 'mqtt broker connection restored');
    this.backoff.succeeded();
    if (this.routes.size > 0) this.subscribe([...this.routes.keys()]);
    for (const listener of this.listeners) listener.connected();
  }

  private subscribe(topics: string[]): void {
    this.client.subscribe(topics, { qos: 1 }, (error) => {
      if (error) this.log?.warn({ url: this.settings.url, err: error.message }, 'mqtt subscribe failed');
    });
  }

  private onClose(): void {
    this.pending = false;
    if (this.closed) return;
    const error = this.unreachable;
    for (const listener of this.listeners) listener.disconnected(error);
    clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      if (this.closed || this.client.connected) return;
      this.pending = true;
      this.client.reconnect();
    }, this.backoff.failed(this.lastError));
  }
}
