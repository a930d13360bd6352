import { expandTopic, type DeviceProfile, type MqttConnection, type PayloadRaw, type PayloadWrite, type ProfilePoint } from '@afferent/device-profiles';
import { DriverError, type DeviceSession, type DeviceTarget, type PushEvents, type RawListener, type RawReadResult, type RawWrite } from '../driver.js';
import { checkPayload } from '../payload-check.js';
import { PushWatchdog } from '../push-watchdog.js';
import type { BrokerClient, TopicListener } from './mqtt-broker-client.js';

export interface MqttSessionSettings {
  /** A value older than this is stale, and a device silent this long is reported lost. */
  staleAfterMs: number;
  /** How long a read waits for a first message on a topic it has not heard yet. */
  firstMessageWaitMs: number;
}

type Last = { raw: PayloadRaw; t: number } | { error: DriverError; t: number };

interface Subscriber {
  readonly points: ReadonlySet<string>;
  readonly listener: RawListener;
  readonly events: PushEvents | undefined;
}

export function deviceTopics(profile: DeviceProfile, id: string, base: string | undefined): Map<string, ProfilePoint[]> {
  const topics = new Map<string, ProfilePoint[]>();
  for (const point of profile.points) {
    if (!point.mqtt || point.access === 'w') continue;
    const topic = expandTopic(point.mqtt.topic, { id, ...(base !== undefined && { base }) });
    topics.set(topic, [...(topics.get(topic) ?? []), point]);
  }
  return topics;
}

/**
 * One MQTT device: it listens on its expanded topics from the moment it is
 * opened, keeps the last payload per point, pushes each message to its
 * subscribers, and answers `read` from what it last heard (waiting a little
 * for a first message). Writes publish the codec's payload to the point's
 * command topic.
 */
export class MqttSession implements DeviceSession, TopicListener {
  private readonly where: string;
  private readonly topics: Map<string, ProfilePoint[]>;
  private readonly last = new Map<string, Last>();
  private readonly subscribers = new Set<Subscriber>();
  private readonly waiters = new Set<() => void>();
  private readonly watchdog: PushWatchdog;
  private closed = false;

  constructor(
    private readonly target: DeviceTarget,
    private readonly broker: BrokerClient,
    private readonly settings: MqttSessionSettings,
    private readonly release: () => Promise<void>,
  ) {
    const connection = target.instance.connection as MqttConnection;
    this.where = `${target.instance.id} (${connection.url})`;
    this.topics = deviceTopics(target.profile, target.instance.id, connection.base);
    this.watchdog = new PushWatchdog(settings.staleAfterMs, (ms) => {
      const error = new DriverError('timeout', `${this.where}: no message on ${[...this.topics.keys()].join(', ')} for ${Math.round(ms / 1000)} s`);
      for (const { events } of this.subscribers) events?.lost(error);
    });
    this.watchdog.start();
    broker.add(this, [...this.topics.keys()]);
  }

  pushes(point: ProfilePoint): boolean {
    return point.mqtt !== undefined;
  }

  message(topic: string, payload: Buffer): void {
    const t = Date.now();
    this.watchdog.touch(t);
    const raw: PayloadRaw = { payload };
    for (const point of this.topics.get(topic) ?? []) {
      const garbage = checkPayload('mqtt', this.target.profile, point, raw, `${this.where} ${topic}`);
      this.last.set(point.name, garbage ? { error: garbage, t } : { raw, t });
      for (const { points, listener, events } of this.subscribers) {
        if (!points.has(point.name)) continue;
        if (garbage) events?.pointFailed(point.name, garbage);
        else listener(point.name, raw, t);
      }
    }
    for (const { events } of this.subscribers) events?.alive(t);
    for (const wake of this.waiters) wake();
  }

  connected(): void {
    for (const { events } of this.subscribers) events?.alive(Date.now());
  }

  disconnected(error: DriverError): void {
    for (const { events } of this.subscribers) events?.lost(this.named(error));
  }

  async read(points: readonly ProfilePoint[]): Promise<RawReadResult> {
    this.ensureOpen();
    await this.broker.ready(this.settings.firstMessageWaitMs).catch((error: DriverError) => {
      throw this.named(error);
    });
    await this.heardOrTimeout(points);
    const now = Date.now();
    const results: RawReadResult = new Map();
    for (const point of points) {
      const last = this.last.get(point.name);
      const topic = this.topicOf(point);
      if (!last) results.set(point.name, { error: new DriverError('timeout', `${this.where} ${point.name}: no message on ${topic} yet`) });
      else if (now - last.t > this.settings.staleAfterMs) {
        results.set(point.name, { error: new DriverError('timeout', `${this.where} ${point.name}: last message on ${topic} was ${Math.round((now - last.t) / 1000)} s ago`) });
      } else results.set(point.name, 'raw' in last ? { raw: last.raw } : { error: last.error });
    }
    return results;
  }

  async write(writes: readonly RawWrite[]): Promise<void> {
    this.ensureOpen();
    const connection = this.target.instance.connection as MqttConnection;
    for (const { point, raw } of writes) {
      const pattern = point.mqtt?.commandTopic;
      if (!pattern) throw new DriverError('protocol', `${this.where}: point ${point.name} has no commandTopic`);
      const topic = expandTopic(pattern, { id: this.target.instance.id, ...(connection.base !== undefined && { base: connection.base }) });
      await this.broker.ready(this.settings.firstMessageWaitMs).then(() => this.broker.publish(topic, (raw as PayloadWrite).payload)).catch((error: DriverError) => {
        throw this.named(error, `write ${point.name}`);
      });
    }
  }

  async subscribe(points: readonly ProfilePoint[], listener: RawListener, events?: PushEvents): Promise<() => Promise<void>> {
    this.ensureOpen();
    const subscriber: Subscriber = { points: new Set(points.map((p) => p.name)), listener, events };
    this.subscribers.add(subscriber);
    if (this.broker.connected) events?.alive(Date.now());
    // While the first connect (or a retry) is under way nothing is lost yet, and
    // `connected` or `disconnected` follows: the agent's start logged a spurious
    // "broker not connected (not connected yet)" for every MQTT device otherwise.
    else if (!this.broker.connecting) events?.lost(this.named(this.broker.unreachable));
    // What was heard before (a retained state, say) is news to a new subscriber.
    for (const point of points) {
      const last = this.last.get(point.name);
      if (last && 'raw' in last) listener(point.name, last.raw, last.t);
    }
    return async () => {
      this.subscribers.delete(subscriber);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watchdog.stop();
    this.subscribers.clear();
    this.broker.remove(this);
    await this.release();
  }

  private heardOrTimeout(points: readonly ProfilePoint[]): Promise<void> {
    const heard = () => points.every((p) => this.last.has(p.name));
    if (heard()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const check = () => heard() && done();
      const timer = setTimeout(done, this.settings.firstMessageWaitMs);
      this.waiters.add(check);
    });
  }

  private topicOf(point: ProfilePoint): string {
    for (const [topic, members] of this.topics) if (members.includes(point)) return topic;
    return point.mqtt?.topic ?? '(no topic)';
  }

  private ensureOpen(): void {
    if (this.closed) throw new DriverError('unreachable', `${this.where}: session closed by the agent`);
  }

  private named(error: DriverError, what?: string): DriverError {
    const message = error.message.replace(`${(this.target.instance.connection as MqttConnection).url}: `, '');
    return new DriverError(error.kind, `${this.where}${what ? ` ${what}` : ''}: ${message}`, error.code);
  }
}
