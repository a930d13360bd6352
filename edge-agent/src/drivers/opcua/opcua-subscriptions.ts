import type { Logger } from 'pino';
import {
  AttributeIds, StatusCodes, TimestampsToReturn,
  type ClientMonitoredItemGroup, type ClientSubscription, type DataValue,
} from 'node-opcua';
import { DriverError } from '../driver.js';
import { PushWatchdog } from '../push-watchdog.js';
import { statusError, toDriverError } from './opcua-errors.js';
import type { OpcuaLink } from './opcua-link.js';

/** One variable a device wants pushed. */
export interface PushItem {
  /** The profile's NodeId text. */
  readonly nodeId: string;
  readonly samplingInterval: number;
  readonly queueSize: number;
  deliver(value: DataValue): void;
  failed(error: DriverError): void;
}

/** One device's subscribe call: its items, and where its health goes. */
export interface PushClient {
  readonly items: readonly PushItem[];
  readonly publishingInterval: number;
  alive(t: number): void;
  lost(error: DriverError): void;
}

/** What the pool needs from its endpoint. */
export interface PoolOwner {
  readonly url: string;
  /** Connect (or fail); on success the pool has been asked to attach first. */
  connect(): Promise<OpcuaLink>;
  /** A subscription died or fell silent: drop the link and build everything anew. */
  restart(reason: DriverError): void;
}

/** Items created per CreateMonitoredItems call when the server sets no limit. */
const DEFAULT_ITEMS_PER_CALL = 1000;
/** Keep-alives the server sends per silent subscription window, and how many missed ones mean "dead". */
const KEEP_ALIVE_COUNT = 10;
const MISSED_KEEP_ALIVES = 3;

interface LiveSubscription {
  readonly subscription: ClientSubscription;
  readonly publishingInterval: number;
  readonly clients: Set<PushClient>;
  readonly watchdog: PushWatchdog;
  count: number;
  /** Items it takes: the server's limit, or fewer once it said BadTooManyMonitoredItems. */
  capacity: number;
}

/**
 * The subscriptions of one endpoint, shared by every device on it: many
 * items share one subscription per publishing interval, and more are made
 * only when the server's MaxMonitoredItemsPerSubscription (or a
 * BadTooManyMonitoredItems) says so. Items are created in chunks within
 * MaxMonitoredItemsPerCall. Every change runs in order on one queue. When
 * the link is replaced (server restart, lost connection), every
 * subscription and item is created again on the new session: nothing
 * relies on the stack transferring them.
 */
export class SubscriptionPool {
  private readonly clients = new Set<PushClient>();
  private readonly groups = new Map<PushClient, { live: LiveSubscription; group: ClientMonitoredItemGroup; size: number }[]>();
  private live: LiveSubscription[] = [];
  private link: OpcuaLink | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly owner: PoolOwner,
    private readonly log?: Logger,
  ) {}

  get wantsConnection(): boolean {
    return this.clients.size > 0;
  }

  /** Subscriptions and items in force, for tests and diagnostics. */
  get stats(): { subscriptions: number; items: number } {
    return { subscriptions: this.live.length, items: this.live.reduce((n, s) => n + s.count, 0) };
  }

  /** Resolves once the client's items are placed, or the connection attempt failed (reported to it). */
  async add(client: PushClient): Promise<void> {
    this.clients.add(client);
    try {
      await this.owner.connect();
    } catch (error) {
      client.lost(toDriverError(error, this.owner.url));
      return;
    }
    await this.enqueue(async (link) => {
      if (this.clients.has(client) && !this.groups.has(client)) await this.place(link, client);
    });
  }

  async remove(client: PushClient): Promise<void> {
    this.clients.delete(client);
    await this.enqueue(async () => {
      for (const { live, group, size } of this.groups.get(client) ?? []) {
        live.count -= size;
        live.clients.delete(client);
        await group.terminate().catch(() => undefined);
      }
      this.groups.delete(client);
      for (const live of this.live.filter((s) => s.count <= 0)) await this.end(live);
    });
  }

  /** A new link: build every subscription again. */
  attach(link: OpcuaLink): void {
    this.link = link;
    this.live = [];
    this.groups.clear();
    void this.enqueue(async (current) => {
      for (const client of this.clients) if (!this.groups.has(client)) await this.place(current, client);
    });
  }

  /** The link is gone: every device's push path is down until the next attach. */
  detach(error: DriverError): void {
    this.link = undefined;
    for (const live of this.live) live.watchdog.stop();
    this.live = [];
    this.groups.clear();
    for (const client of this.clients) client.lost(error);
  }

  async close(): Promise<void> {
    this.clients.clear();
    await this.enqueue(async () => {
      for (const live of this.live) await this.end(live);
    });
  }

  /** Run `work` after everything queued before it, on the link in force; skipped when there is none. */
  private enqueue(work: (link: OpcuaLink) => Promise<void>): Promise<void> {
    const run = this.queue.then(async () => {
      const link = this.link;
      if (!link) return;
      try {
        await work(link);
      } catch (error) {
        // A link that died meanwhile is detached already; anything else is worth a word.
        if (this.link === link) this.log?.warn({ url: this.owner.url, err: (error as Error).message }, 'OPC UA subscription change failed');
      }
    });
    this.queue = run;
    return run;
  }

  private async place(link: OpcuaLink, client: PushClient): Promise<void> {
    const byParameters = new Map<string, PushItem[]>();
    for (const item of client.items) {
      const key = `${item.samplingInterval}/${item.queueSize}`;
      byParameters.set(key, [...(byParameters.get(key) ?? []), item]);
    }
    this.groups.set(client, []);
    for (const items of byParameters.values()) {
      let waiting = items;
      while (waiting.length > 0 && this.link === link) {
        const live = this.live.find((s) => s.publishingInterval === client.publishingInterval && s.count < s.capacity)
          ?? (await this.create(link, client.publishingInterval));
        if (!live) {
          for (const item of waiting) item.failed(new DriverError('device', `${this.owner.url}: the server takes no more subscriptions`, 'BadTooManySubscriptions'));
          return;
        }
        const fresh = live.count === 0;
        const room = Math.min(waiting.length, live.capacity - live.count);
        const refused = await this.monitor(link, live, client, waiting.slice(0, room));
        waiting = [...refused, ...waiting.slice(room)];
        // A fresh subscription that takes nothing means a server-wide limit, not a full subscription.
        if (fresh && refused.length === room) {
          await this.end(live);
          for (const item of refused) item.failed(new DriverError('device', `${this.owner.url} ${item.nodeId}: BadTooManyMonitoredItems`, 'BadTooManyMonitoredItems'));
          waiting = waiting.slice(refused.length);
        }
      }
    }
    client.alive(Date.now());
  }

  /** Create items in chunks within MaxMonitoredItemsPerCall; returns the ones refused for lack of room. */
  private async monitor(link: OpcuaLink, live: LiveSubscription, client: PushClient, items: PushItem[]): Promise<PushItem[]> {
    const perCall = link.limits.maxMonitoredItemsPerCall || DEFAULT_ITEMS_PER_CALL;
    const refused: PushItem[] = [];
    for (let start = 0; start < items.length; start += perCall) {
      const members: PushItem[] = [];
      const nodes = [];
      for (const item of items.slice(start, start + perCall)) {
        try {
          nodes.push({ nodeId: link.nodeId(item.nodeId), attributeId: AttributeIds.Value });
          members.push(item);
        } catch (error) {
          item.failed(toDriverError(error, `${this.owner.url} ${item.nodeId}`));
        }
      }
      if (members.length === 0) continue;
      const { samplingInterval, queueSize } = members[0]!;
      const group = await live.subscription.monitorItems(nodes, { samplingInterval, queueSize, discardOldest: true }, TimestampsToReturn.Both);
      group.on('changed', (_item, value: DataValue, index: number) => members[index]?.deliver(value));
      let taken = 0;
      group.monitoredItems.forEach((monitored, i) => {
        const status = monitored.statusCode;
        if (status.isGoodish()) taken++;
        else if (status === StatusCodes.BadTooManyMonitoredItems) refused.push(members[i]!);
        else members[i]!.failed(statusError(`${this.owner.url} ${members[i]!.nodeId}`, status));
      });
      live.count += taken;
      live.clients.add(client);
      this.groups.get(client)!.push({ live, group, size: taken });
      if (refused.length > 0) {
        live.capacity = live.count;
        this.log?.info({ url: this.owner.url, items: live.count }, 'OPC UA server refused more monitored items on a subscription: opening another');
      }
    }
    return refused;
  }

  private async create(link: OpcuaLink, publishingInterval: number): Promise<LiveSubscription | undefined> {
    const { maxSubscriptionsPerSession, maxMonitoredItemsPerSubscription } = link.limits;
    if (maxSubscriptionsPerSession > 0 && this.live.length >= maxSubscriptionsPerSession) return undefined;
    const subscription = await link.session.createSubscription2({
      requestedPublishingInterval: publishingInterval,
      requestedMaxKeepAliveCount: KEEP_ALIVE_COUNT,
      requestedLifetimeCount: KEEP_ALIVE_COUNT * 6,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 1,
    });
    const silentMs = MISSED_KEEP_ALIVES * subscription.publishingInterval * subscription.maxKeepAliveCount;
    const live: LiveSubscription = {
      subscription,
      publishingInterval,
      clients: new Set(),
      count: 0,
      capacity: maxMonitoredItemsPerSubscription > 0 ? maxMonitoredItemsPerSubscription : Number.POSITIVE_INFINITY,
      watchdog: new PushWatchdog(silentMs, (ms) => {
        this.owner.restart(new DriverError('timeout', `${this.owner.url}: no notification or keep-alive for ${Math.round(ms / 1000)} s`));
      }),
    };
    const heard = () => {
      const now = Date.now();
      live.watchdog.touch(now);
      for (const client of live.clients) client.alive(now);
    };
    subscription.on('keepalive', heard);
    subscription.on('received_notifications', heard);
    subscription.on('status_changed', (status) => {
      if (status.isGood() || this.link !== link) return;
      this.owner.restart(statusError(`${this.owner.url} subscription`, status));
    });
    subscription.on('error', (error: Error) => this.log?.debug({ url: this.owner.url, err: error.message }, 'OPC UA subscription error'));
    live.watchdog.start();
    this.live.push(live);
    return live;
  }

  private async end(live: LiveSubscription): Promise<void> {
    live.watchdog.stop();
    this.live = this.live.filter((s) => s !== live);
    await live.subscription.terminate().catch(() => undefined);
  }
}
