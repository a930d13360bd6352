import type { DownTopic } from '@afferent/device-profiles';

/** Publish at QoS 1; `done` is called when the broker has it (PUBACK), or with the error when the link failed first. */
export type QosPublish = (topic: string, payload: Buffer, done: (error?: Error) => void) => void;

/**
 * Something besides telemetry that talks over the uplink (commands today,
 * configuration later). Its down topics are subscribed on every connect,
 * before the link counts as up.
 */
export interface LinkUser {
  readonly topics: readonly Exclude<DownTopic, 'ack'>[];
  message(kind: Exclude<DownTopic, 'ack'>, payload: Buffer): void;
  /** The link is up (with a publisher) or down (undefined). */
  link(publish: QosPublish | undefined): void;
}
