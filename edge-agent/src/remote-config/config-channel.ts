import type { Logger } from 'pino';
import { decodeWire, encodeWire, gatewayTopic, type ConfigState, type DownTopic } from '@afferent/device-profiles';
import type { LinkUser, QosPublish } from '../uplink/link-user.js';
import type { ConfigApplier } from './config-applier.js';

/**
 * Desired configs from the hub (`config`, retained: it arrives on every
 * connect) to the applier, and its answer back on `config-state`. Pushes are
 * handled in arrival order. The latest answer is kept and sent again when the
 * link comes back, so a refusal decided while the link was down still reaches
 * the hub; with nothing to tell, the link's first word is the version running.
 */
export class ConfigChannel implements LinkUser {
  readonly topics = ['config'] as const;
  private publish: QosPublish | undefined;
  private latest: ConfigState | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly stateTopic: string;

  constructor(private readonly options: { gatewayId: string; applier: ConfigApplier; log: Logger; now?: () => number }) {
    this.stateTopic = gatewayTopic(options.gatewayId, 'config-state');
  }

  message(_kind: Exclude<DownTopic, 'ack'>, payload: Buffer): void {
    const decoded = decodeWire('config', payload);
    this.queue = this.queue.then(async () => {
      if (decoded.ok) return this.report(await this.options.applier.applyPushed(decoded.value));
      this.options.log.warn({ error: decoded.error }, 'refused a config that does not match the contract');
      this.report({ version: versionOf(payload), state: 'rejected', t: this.now(), error: decoded.error });
    }).catch((error: unknown) => this.options.log.error({ err: error }, 'applying a pushed config failed'));
  }

  link(publish: QosPublish | undefined): void {
    this.publish = publish;
    if (publish) this.send(this.latest ?? { version: this.options.applier.version, state: 'applied', t: this.now() });
  }

  /** Wait for the pushes received so far to be applied (tests, shutdown). */
  settled(): Promise<void> {
    return this.queue;
  }

  private report(state: ConfigState): void {
    this.latest = state;
    this.send(state);
  }

  private send(state: ConfigState): void {
    this.publish?.(this.stateTopic, encodeWire('config-state', state), (error) => {
      if (error) this.options.log.debug({ err: error.message }, 'config-state not delivered; sent again when the link is back');
    });
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

/** The version a config that breaks the contract claims, if it says one: the hub shows which push was refused. */
function versionOf(payload: Buffer): number {
  try {
    const version = (JSON.parse(payload.toString('utf8')) as { version?: unknown }).version;
    return typeof version === 'number' && Number.isInteger(version) && version >= 0 ? version : 0;
  } catch {
    return 0;
  }
}
