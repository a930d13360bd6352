import { connectAsync, type MqttClient } from 'mqtt';
import { CodecError, expandTopic, isWritable, type ProfilePoint } from '@afferent/device-profiles';
import { deviceFrom, type DeviceSource } from '../device/device-roster.js';
import { GARBAGE, type Fault } from '../device/fault.js';
import type { SimulatedDevice } from '../device/simulated-device.js';
import { TimerSet } from '../device/timer-set.js';
import { checkSharedPayload, decodeWrites, encodeState, groupPoints, readablePoints, senmlBaseName } from '../payload/payload-points.js';

export type MqttDeviceOptions = DeviceSource & {
  /** The site broker, e.g. mqtt://127.0.0.1:1883. */
  brokerUrl: string;
  username?: string;
  password?: string;
  /** The device id, `{id}` in the profile's topics. */
  id: string;
  /** The device's topic root, `{base}` in the profile's topics; default: the id. */
  base?: string;
  /** How often every topic is published, in ms; default 1000. */
  publishInterval?: number;
  retain?: boolean;
};

/** A command the device refused, and why (for tests and logs: a real device answers nothing the profile knows of). */
export interface RefusedCommand {
  topic: string;
  reason: string;
}

/**
 * A device that is an MQTT client of a site broker, as Tasmota or an
 * AirGradient is: it publishes its points on the profile's topics (one
 * message per topic, in the topic's format) every interval, and takes
 * commands on the command topics of its writable points, checked strictly;
 * after a write it publishes its new state at once.
 */
export class MqttDevice {
  readonly device: SimulatedDevice;
  readonly id: string;
  readonly base: string;
  readonly refusedCommands: RefusedCommand[] = [];
  /** Commands that reached the device, applied or not. */
  commandsReceived = 0;
  private readonly states: Map<string, ProfilePoint[]>;
  private readonly commands: Map<string, ProfilePoint[]>;
  private readonly timers = new TimerSet();
  private fault: Fault | undefined;
  private client?: MqttClient;
  /** A reconnection in progress (after a drop-connection fault), so that close waits for it. */
  private reconnecting?: Promise<void>;
  private closed = false;

  private constructor(private readonly options: MqttDeviceOptions) {
    this.device = deviceFrom(options);
    this.id = options.id;
    this.base = options.base ?? options.id;
    const vars = { base: this.base, id: this.id };
    const points = this.device.profile.points.filter((p) => p.mqtt);
    if (points.length === 0) throw new Error(`profile ${this.device.profile.profile} has no MQTT points`);
    this.states = groupPoints(readablePoints(points), (p) => expandTopic(p.mqtt!.topic, vars));
    this.commands = groupPoints(points.filter(isWritable), (p) => p.mqtt!.commandTopic && expandTopic(p.mqtt!.commandTopic, vars));
    for (const [topic, group] of this.states) checkSharedPayload(this.device, 'mqtt', `topic ${topic}`, group);
  }

  static async start(options: MqttDeviceOptions): Promise<MqttDevice> {
    const mqttDevice = new MqttDevice(options);
    mqttDevice.client = await mqttDevice.connect();
    mqttDevice.timers.every(options.publishInterval ?? 1000, () => mqttDevice.publish(mqttDevice.stateTopics));
    return mqttDevice;
  }

  /** The topics the device publishes its state on. */
  get stateTopics(): string[] {
    return [...this.states.keys()];
  }

  get commandTopics(): string[] {
    return [...this.commands.keys()];
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /**
   * no-answer: publishes nothing and ignores commands; exception: ignores
   * commands; garbage: publishes bytes no format decodes; delay: publishes
   * and answers late; drop-connection: leaves the broker without a word and
   * comes back once the fault clears.
   */
  setFault(fault: Fault | undefined): void {
    const wasDropped = this.fault?.kind === 'drop-connection';
    this.fault = fault;
    if (fault?.kind === 'drop-connection' && !wasDropped) {
      // Forced: no DISCONNECT packet, as when the device loses its network.
      this.client?.end(true);
      this.client = undefined;
    } else if (wasDropped && fault?.kind !== 'drop-connection' && !this.closed) {
      this.rejoin();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.timers.clear();
    await this.reconnecting;
    await this.client?.endAsync();
    this.client = undefined;
  }

  /** Back after a dropped connection: try every second until the broker takes the device again. */
  private rejoin(): void {
    this.reconnecting = this.connect().then(
      (client) => {
        this.reconnecting = undefined;
        // Closed, or dropped again, while connecting: this connection is not wanted any more.
        if (this.closed || this.fault?.kind === 'drop-connection') client.end(true);
        else this.client = client;
      },
      () => {
        this.reconnecting = undefined;
        if (!this.closed) this.timers.after(1000, () => this.rejoin());
      },
    );
  }

  private async connect(): Promise<MqttClient> {
    const { brokerUrl, username, password } = this.options;
    // MQTT 3.1.1: what aedes and most site brokers speak.
    const client = await connectAsync(brokerUrl, {
      protocolVersion: 4, clientId: `afferent-sim-${this.id}`, reconnectPeriod: 1000,
      ...(username !== undefined && { username }), ...(password !== undefined && { password }),
    });
    client.on('error', () => {}); // the client reconnects by itself; an error must not take the simulator down
    client.on('message', (topic, payload) => this.onCommand(topic, payload));
    // mqtt.js subscribes again by itself after a reconnect; the device tells its state again, as devices do.
    client.on('connect', () => this.publish(this.stateTopics));
    if (this.commands.size > 0) await client.subscribeAsync(this.commandTopics, { qos: 1 });
    this.publishTo(client, this.stateTopics);
    return client;
  }

  private publish(topics: string[]): void {
    const fault = this.fault;
    if (fault?.kind === 'no-answer' || fault?.kind === 'drop-connection') return;
    if (fault?.kind === 'delay') this.timers.after(fault.ms, () => this.client && this.publishTo(this.client, topics));
    else if (this.client) this.publishTo(this.client, topics);
  }

  private publishTo(client: MqttClient, topics: string[]): void {
    for (const topic of topics) {
      let payload: Buffer;
      try {
        payload = this.fault?.kind === 'garbage' ? GARBAGE : encodeState(this.device, 'mqtt', this.states.get(topic)!, senmlBaseName(this.id)).payload;
      } catch (error) {
        if (error instanceof CodecError) continue; // a signal its type cannot hold: nothing to say on this topic
        throw error;
      }
      client.publish(topic, payload, { qos: 0, retain: this.options.retain ?? false });
    }
  }

  private onCommand(topic: string, payload: Buffer): void {
    const points = this.commands.get(topic);
    const fault = this.fault;
    if (!points) return;
    this.commandsReceived++;
    if (fault?.kind === 'no-answer' || fault?.kind === 'exception') return;
    if (fault?.kind === 'delay') return this.timers.after(fault.ms, () => this.apply(topic, points, payload));
    this.apply(topic, points, payload);
  }

  private apply(topic: string, points: ProfilePoint[], payload: Buffer): void {
    const decoded = decodeWrites(this.device, 'mqtt', points, { payload });
    if ('refusal' in decoded) {
      this.refusedCommands.push({ topic, reason: decoded.refusal });
      return;
    }
    for (const { name, value } of decoded.writes) this.device.applyWrite(name, value);
    const changed = new Set(decoded.writes.map((w) => w.name));
    this.publish([...this.states].filter(([, group]) => group.some((p) => changed.has(p.name))).map(([t]) => t));
  }
}

export function startMqttDevice(options: MqttDeviceOptions): Promise<MqttDevice> {
  return MqttDevice.start(options);
}
