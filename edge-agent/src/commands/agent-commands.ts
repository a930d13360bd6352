import type { Logger } from 'pino';
import {
  checkWrite, decodeWire, encodeWire, gatewayTopic,
  type Command, type CommandResult, type DownTopic,
} from '@afferent/device-profiles';
import type { DeviceSession, DeviceTarget } from '../drivers/driver.js';
import type { LinkUser, QosPublish } from '../uplink/link-user.js';
import type { CommandJournal } from './command-journal.js';
import { executeCommand, type Outcome } from './command-executor.js';
import { DeviceQueues } from './device-queues.js';

/** Finished commands are forgotten a day after their expiry (see CommandJournal); checked this often. */
const PRUNE_EVERY_MS = 3_600_000;

/** A device this agent runs, with the session its poller uses: commands share it rather than open a second connection. */
export interface CommandTarget {
  target: DeviceTarget;
  session: DeviceSession;
}

export interface AgentCommandsOptions {
  gatewayId: string;
  journal: CommandJournal;
  devices: ReadonlyMap<string, CommandTarget>;
  /** Devices in the configuration that do not run, and why (disabled, or the driver could not open them). */
  unavailable: ReadonlyMap<string, string>;
  log?: Logger;
  /** Told every final outcome (metrics). */
  finished?(device: string, status: CommandResult['status']): void;
  retry?: { minMs: number; maxMs: number };
  now?: () => number;
}

/**
 * Commands from the hub, at the edge. Each command is answered `delivered`
 * at once, checked against this agent's own profile (`rejected` with the
 * reason otherwise), then run on its device's queue: one command at a time
 * per device, devices in parallel. Ids seen before are never run again; every
 * result is kept in the journal until the broker has it.
 */
export class AgentCommands implements LinkUser {
  readonly topics = ['cmd'] as const;
  private readonly queues = new DeviceQueues();
  private readonly stopping = new AbortController();
  /** The newest result handed to the current link: later flushes send only what came after. */
  private handedUpTo = 0;
  private readonly resultTopic: string;
  private readonly now: () => number;
  private publish: QosPublish | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: AgentCommandsOptions) {
    this.resultTopic = gatewayTopic(options.gatewayId, 'cmd-result');
    this.now = options.now ?? Date.now;
  }

  /** Settle what a restart interrupted, and run what had not started yet. */
  start(): void {
    const { journal, log } = this.options;
    const { queued, started } = journal.unfinished();
    for (const command of started) {
      log?.warn({ command: command.id, device: command.device }, 'command interrupted by a restart: reported failed, not run again');
      this.finish(command, { status: 'failed', error: 'the agent restarted while writing: the device may or may not have applied the command' });
    }
    for (const command of queued) this.admit(command);
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_EVERY_MS);
  }

  /**
   * Take no new command and start no further write or attempt; waits for
   * the commands writing now (each bounded by its device's timeout). Commands
   * still queued stay in the journal and run after a restart, within their expiry.
   */
  async stop(): Promise<void> {
    clearInterval(this.pruneTimer);
    this.stopping.abort();
    await this.queues.idle();
  }

  message(_kind: Exclude<DownTopic, 'ack'>, payload: Buffer): void {
    // Not even recorded: the hub sends it again when this gateway is back.
    if (this.stopping.signal.aborted) return;
    const decoded = decodeWire('cmd', payload);
    if (!decoded.ok) {
      this.options.log?.warn({ error: decoded.error }, 'ignored a command that does not match the contract');
      return;
    }
    try {
      this.receive(decoded.value);
    } catch (error) {
      // The journal could not record it (disk full?): not answered, so the hub sends it again on the next reconnect.
      this.options.log?.error({ err: error, command: decoded.value.id }, 'could not take on a command');
    }
  }

  link(publish: QosPublish | undefined): void {
    this.publish = publish;
    // Whatever was in flight on the old link goes again; the hub ignores repeats.
    this.handedUpTo = 0;
    this.flush();
  }

  private receive(command: Command): void {
    const { journal, log } = this.options;
    const seen = journal.lookup(command.id);
    if (seen) {
      // A redelivery: never run twice. If it is done, the hub may have missed the outcome: send it again.
      log?.debug({ command: command.id, state: seen.state }, 'command seen before: not run again');
      if (seen.result) {
        journal.queue(seen.result);
        this.flush();
      }
      return;
    }
    if (this.now() > command.expires) {
      // Recorded too, so that a copy arriving later is answered the same way.
      journal.accept(command);
      this.finish(command, { status: 'expired', error: `arrived ${this.now() - command.expires} ms after it expired; not run` });
      return;
    }
    journal.accept(command, this.result(command, { status: 'delivered' }));
    this.flush();
    this.admit(command);
  }

  /** Refuse it now, or queue it on its device. */
  private admit(command: Command): void {
    const why = this.refusal(command);
    if (why) this.finish(command, { status: 'rejected', error: why });
    else this.schedule(command);
  }

  /** Why this agent will not run the command, or undefined. */
  private refusal(command: Command): string | undefined {
    const device = this.options.devices.get(command.device);
    if (!device) {
      const why = this.options.unavailable.get(command.device);
      return why ? `device ${command.device} does not run: ${why}` : `this gateway does not run a device ${command.device}`;
    }
    const problems = checkWrite(device.target.profile, command.write);
    return problems.length > 0 ? problems.map((p) => p.message).join('; ') : undefined;
  }

  private schedule(command: Command): void {
    const device = this.options.devices.get(command.device)!;
    void this.queues.run(command.device, async () => {
      if (this.stopping.signal.aborted) return;
      let outcome: Outcome;
      try {
        outcome = await executeCommand(command, {
          ...device,
          starting: () => this.options.journal.started(command.id),
          signal: this.stopping.signal,
          ...(this.options.retry ? { retry: this.options.retry } : {}),
          now: this.now,
        });
      } catch (error) {
        outcome = { status: 'failed', error: `the agent could not run the command: ${(error as Error).message}` };
      }
      this.finish(command, outcome);
    });
  }

  private finish(command: Command, outcome: Outcome): void {
    const { journal, log } = this.options;
    try {
      journal.finish(command.id, this.result(command, outcome));
    } catch (error) {
      log?.error({ err: error, command: command.id }, 'could not record a command outcome');
      return;
    }
    const level = outcome.status === 'succeeded' ? 'info' : 'warn';
    log?.[level]({ command: command.id, device: command.device, status: outcome.status, error: outcome.error, code: outcome.code }, 'command finished');
    this.options.finished?.(command.device, outcome.status);
    this.flush();
  }

  private prune(): void {
    try {
      this.options.journal.prune(this.now());
    } catch (error) {
      this.options.log?.error({ err: error }, 'could not prune the command journal');
    }
  }

  private result(command: Command, outcome: Outcome): CommandResult {
    return { id: command.id, t: this.now(), ...outcome };
  }

  /** Send every result the broker has not confirmed, oldest first. */
  private flush(): void {
    const publish = this.publish;
    if (!publish) return;
    for (const { seq, result } of this.options.journal.unsent(this.handedUpTo)) {
      this.handedUpTo = seq;
      publish(this.resultTopic, encodeWire('cmd-result', result), (error) => {
        if (!error) this.options.journal.confirm(seq);
      });
    }
  }
}
