import { connect, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { encodeWire, gatewayTopic, parseGatewayTopic, type GatewayStatus, type Inventory } from '@afferent/device-profiles';
import type { Outbox } from '../outbox/outbox.js';
import { BatchSender, type SenderCounters } from './batch-sender.js';
import type { LinkUser, QosPublish } from './link-user.js';

export interface UplinkOptions {
  gatewayId: string;
  url: string;
  username: string;
  password?: string;
  /** The CA an mqtts:// hub is verified with; absent: the system's CAs. Never unverified. */
  ca?: string;
  /** Read again before each reconnect: a gateway provisioned again while running picks up its new password. */
  credentials?(): { username: string; password?: string };
  outbox: Outbox;
  inflight: number;
  ackTimeoutMs: number;
  /** Readings per second of backlog after an outage; undefined: no limit. */
  backfillRate?: number;
  /** The devices this gateway runs; published retained on every connect. */
  inventory(): Inventory;
  /** Backlog and device health for the retained status message. */
  status(): Omit<GatewayStatus, 'state'>;
  statusEveryMs?: number;
  /** Wait before reconnecting: from `min`, doubling per failure, up to `max`. */
  reconnect?: { minMs: number; maxMs: number };
  log?: Logger;
  counters?: SenderCounters & { connected?(up: boolean): void };
  /** Others that use the link (commands). */
  users?: readonly LinkUser[];
}

/** Longest wait for each step of a clean disconnect before giving up on it. */
const STOP_STEP_MS = 2000;

export const UPLINK_DEFAULTS = { statusEveryMs: 10_000, reconnect: { minMs: 1000, maxMs: 30_000 } } as const;

/**
 * The MQTT link to the hub (MQTT 3.1.1, as aedes speaks). On every connect:
 * subscribe to our ack topic (and the down topics of the link's users, such
 * as commands), publish the inventory and the online status
 * (both retained), then send the outbox. The broker publishes the retained
 * `offline` will when the link dies. Reconnects with backoff; the agent's
 * sampling never waits for it: readings go to the outbox whatever the link.
 */
export class Uplink {
  private readonly sender: BatchSender;
  private client: MqttClient | undefined;
  private up = false;
  private stopped = false;
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly topics;

  constructor(private readonly options: UplinkOptions) {
    this.sender = new BatchSender(options.outbox, options, options.counters);
    const topic = (kind: Parameters<typeof gatewayTopic>[1]) => gatewayTopic(options.gatewayId, kind);
    this.topics = { ack: topic('ack'), status: topic('status'), inventory: topic('inventory') };
  }

  get connected(): boolean {
    return this.up;
  }

  /** Batches not yet acknowledged by the hub. */
  get unacknowledged(): number {
    return this.sender.unacknowledged;
  }

  start(): void {
    const { options } = this;
    const client = connect(options.url, {
      protocolVersion: 4,
      clientId: `afferent-agent-${options.gatewayId}`,
      username: options.username,
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(options.ca === undefined ? {} : { ca: options.ca }),
      clean: true,
      // Reconnection is ours (with backoff); mqtt.js would retry at a fixed period.
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      keepalive: 30,
      will: { topic: this.topics.status, payload: encodeWire('status', { state: 'offline' }), qos: 1, retain: true },
    });
    this.client = client;
    client.on('connect', () => void this.onConnect(client));
    client.on('close', () => this.onClose());
    client.on('message', (topic, payload) => {
      if (topic === this.topics.ack) return this.sender.handleAck(payload);
      // Our subscriptions are exact topics of our own gateway: the kind says whose message it is.
      const kind = parseGatewayTopic(topic)?.kind as LinkUser['topics'][number] | undefined;
      for (const user of options.users ?? []) if (kind && user.topics.includes(kind)) user.message(kind, payload);
    });
    // Connection errors are followed by 'close'; without a listener they would kill the process.
    client.on('error', (error) => {
      // Once per outage is enough for the log; the retries that follow are debug.
      if (this.failures === 0) options.log?.warn({ err: error.message, url: options.url }, 'uplink error');
      else options.log?.debug({ err: error.message }, 'uplink error');
    });
    const resendEvery = Math.max(50, Math.min(1000, options.ackTimeoutMs / 2));
    this.timers.push(
      setInterval(() => this.sender.resendOverdue(), resendEvery),
      setInterval(() => this.publishStatus(), options.statusEveryMs ?? UPLINK_DEFAULTS.statusEveryMs),
    );
  }

  /** New batches are in the outbox. */
  notify(): void {
    this.sender.pump();
  }

  /** The device list changed: publish the inventory and the status (with the new devices' health) now, not at the next tick. */
  devicesChanged(): void {
    if (!this.up || !this.client) return;
    this.client.publish(this.topics.inventory, encodeWire('inventory', this.options.inventory()), { qos: 1, retain: true }, () => undefined);
    this.publishStatus();
  }

  /** Publish `offline` (retained), then disconnect. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    if (!client) return;
    // A half-dead link must not hold the agent's shutdown: each step gets a bounded wait.
    if (this.up) {
      const offline = client.publishAsync(this.topics.status, encodeWire('status', { state: 'offline', t: Date.now() }), { qos: 1, retain: true });
      await bounded(offline, STOP_STEP_MS).catch((error: Error) => this.options.log?.warn({ err: error.message }, 'could not publish offline status'));
    }
    this.sender.offline();
    for (const user of this.options.users ?? []) user.link(undefined);
    await bounded(client.endAsync(!this.up), STOP_STEP_MS).catch(() => client.end(true));
  }

  private async onConnect(client: MqttClient): Promise<void> {
    this.failures = 0;
    // Small packets in both directions (a command, its PUBACK, its results): without this, Nagle's algorithm
    // and the broker's delayed ACK hold some of them for 40 ms. mqtt.js does not set it on its TCP socket.
    (client.stream as { setNoDelay?(noDelay: boolean): void }).setNoDelay?.(true);
    try {
      // The ack subscription must be in place before the first batch goes out, or its ack could be missed.
      const others = (this.options.users ?? []).flatMap((user) => user.topics.map((kind) => gatewayTopic(this.options.gatewayId, kind)));
      const grants = await client.subscribeAsync([this.topics.ack, ...others], { qos: 1 });
      for (const grant of grants) {
        if (grant.qos !== 128) continue;
        if (grant.topic === this.topics.ack) throw new Error(`the broker refused the subscription to ${this.topics.ack}`);
        // Telemetry does not depend on it: keep the link, and say loudly what will not work.
        this.options.log?.error({ topic: grant.topic }, 'the broker refused a subscription: what arrives there will not reach this agent');
      }
      await client.publishAsync(this.topics.inventory, encodeWire('inventory', this.options.inventory()), { qos: 1, retain: true });
    } catch (error) {
      this.options.log?.warn({ err: (error as Error).message }, 'uplink setup failed; reconnecting');
      // Still connected but unusable: drop it, and 'close' schedules the retry with backoff.
      if (client.connected) client.end(true);
      return;
    }
    if (this.stopped || !client.connected) return;
    this.up = true;
    this.options.log?.info({ url: this.options.url }, 'uplink connected');
    this.options.counters?.connected?.(true);
    this.publishStatus();
    this.sender.online((topic, payload) => {
      // The hub's ack confirms delivery; a publish that fails with the link is sent again on reconnect.
      client.publish(topic, payload, { qos: 1 }, () => undefined);
    });
    const publish: QosPublish = (topic, payload, done) => client.publish(topic, payload, { qos: 1 }, (error) => done(error ?? undefined));
    for (const user of this.options.users ?? []) user.link(publish);
  }

  private onClose(): void {
    if (this.up) {
      this.up = false;
      this.options.log?.warn({ url: this.options.url }, 'uplink lost');
      this.options.counters?.connected?.(false);
      for (const user of this.options.users ?? []) user.link(undefined);
    }
    this.sender.offline();
    if (this.stopped || this.reconnectTimer) return;
    const { minMs, maxMs } = this.options.reconnect ?? UPLINK_DEFAULTS.reconnect;
    const delay = Math.min(minMs * 2 ** this.failures, maxMs);
    this.failures++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.stopped || !this.client) return;
      this.refreshCredentials(this.client);
      this.client.reconnect();
    }, delay);
  }

  private refreshCredentials(client: MqttClient): void {
    try {
      const fresh = this.options.credentials?.();
      if (fresh) Object.assign(client.options, fresh);
    } catch (error) {
      this.options.log?.warn({ err: (error as Error).message }, 'could not read the credentials again; reconnecting with the ones in use');
    }
  }

  private publishStatus(): void {
    if (!this.up || !this.client) return;
    const status: GatewayStatus = { ...this.options.status(), state: 'online', t: Date.now() };
    this.client.publish(this.topics.status, encodeWire('status', status), { qos: 1, retain: true }, () => undefined);
  }
}

function bounded<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
