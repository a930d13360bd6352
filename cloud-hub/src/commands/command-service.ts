import { randomUUID } from 'node:crypto';
import type { Command, CommandResult, PointValue } from '@afferent/device-profiles';
import { ApiError } from '../api/errors.js';
import type { EventBus } from '../bus/event-bus.js';
import type { Logger } from '../logging/logger.js';
import type { HubMetrics } from '../metrics/hub-metrics.js';
import { UNKNOWN_PROFILE } from '../registry/device-registry.js';
import type { Registry } from '../registry/registry.js';
import { writeRefusal } from './command-check.js';
import { expiryOf } from './command-expiry.js';
import type { CommandFilter, CommandLedger } from './command-ledger.js';
import { acceptsReport, hubVerdict } from './command-lifecycle.js';
import type { CommandRecord, CommandStatus, CommandStep } from './command-record.js';
import { DeadlineTimer } from './deadline-timer.js';

export interface CommandRequest {
  write: Record<string, PointValue>;
  /** A duration ("30s") or ms; default: the hub's `commands.defaultExpiry`. */
  expiresIn?: string | number;
  readback?: boolean;
  idempotencyKey?: string;
}

export interface CommandServiceDeps {
  ledger: CommandLedger;
  registry: Registry;
  bus: EventBus;
  /** Publish a command to a gateway (QoS 1). */
  deliver(gateway: string, command: Command): void;
  /** Whether the gateway is subscribed to its command topic right now. */
  isReady(gateway: string): boolean;
  defaultExpiryMs: number;
  /** How long after `expires` a delivered command may take to report its outcome. */
  resultTimeoutMs: number;
  logger: Logger;
  metrics?: HubMetrics;
  now?: () => number;
}

/**
 * Commands from operators to single points of single devices: checked
 * against the profile, stored, delivered when the gateway listens, and
 * followed to their outcome (see command-lifecycle.ts). Every change is
 * stored first, then published on the bus as a `command` event.
 */
export class CommandService {
  private readonly timer = new DeadlineTimer(() => {
    try {
      this.sweep();
    } catch (error) {
      // A timer callback must not throw; the next submit, report or reconnect sweeps again.
      this.deps.logger.error({ err: error }, 'could not settle expired commands');
    }
  });
  private readonly now: () => number;
  /** Commands with an idempotency key whose commit is under way, by device and key. */
  private readonly storing = new Map<string, Promise<CommandRecord | undefined>>();

  constructor(private readonly deps: CommandServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Settle what expired while the hub was down, then keep watching deadlines. */
  start(): void {
    this.sweep();
  }

  stop(): void {
    this.timer.stop();
  }

  /** A new command, or the one this idempotency key already made (`created: false`). Rejects with ApiError. */
  async submit(deviceId: string, request: CommandRequest, by: string): Promise<{ record: CommandRecord; created: boolean }> {
    const { registry, ledger } = this.deps;
    const device = registry.devices.get(deviceId);
    if (!device) throw new ApiError('device_not_found', `no device ${JSON.stringify(deviceId)}`);
    const readback = request.readback ?? true;
    const key = request.idempotencyKey === undefined ? undefined : `${device.id}\u0000${request.idempotencyKey}`;
    if (key !== undefined) {
      // The same key may arrive again before the first one's commit: it waits for it.
      const earlier = ledger.byIdempotencyKey(device.id, request.idempotencyKey!) ?? await this.storing.get(key);
      if (earlier) {
        if (sameRequest(earlier, request.write, readback)) return { record: earlier, created: false };
        throw new ApiError('idempotency_conflict',
          `idempotency key ${JSON.stringify(request.idempotencyKey)} was used for command ${earlier.id} with a different write`);
      }
    }
    const profile = device.profile === UNKNOWN_PROFILE ? undefined : registry.profiles.get(device.profile, device.profileVersion);
    if (!profile || profile.profile.version !== device.profileVersion) {
      const which = device.profile === UNKNOWN_PROFILE ? 'no profile known' : `profile ${device.profile} version ${device.profileVersion}`;
      throw new ApiError('profile_unknown', `device ${device.id} runs ${which}, which the hub does not have: a write cannot be checked`);
    }
    const refusal = writeRefusal(profile.profile, request.write);
    if (refusal) throw new ApiError(refusal.code, refusal.message);

    const now = this.now();
    const record: CommandRecord = {
      id: randomUUID(),
      device: device.id,
      gateway: device.gateway,
      write: request.write,
      readback,
      expires: now + expiryOf(request.expiresIn, this.deps.defaultExpiryMs),
      ...(request.idempotencyKey !== undefined ? { idempotencyKey: request.idempotencyKey } : {}),
      status: 'queued',
      created: now,
      createdBy: by,
      updated: now,
      history: [{ status: 'queued', t: now, by }],
    };
    // Straight to `sent` when the gateway listens: one commit, then the publish. Should the gateway
    // go in between, the command is sent again when it is back, like every open command.
    const ready = this.deps.isReady(record.gateway);
    const stored = ready ? step(record, 'sent', now, 'hub') : record;
    const committed = ledger.insert(stored).then(() => stored);
    if (key !== undefined) {
      this.storing.set(key, committed.catch(() => undefined));
      void committed.catch(() => undefined).finally(() => this.storing.delete(key));
    }
    await committed;
    let accepted = stored;
    if (!ready && this.deps.isReady(accepted.gateway)) {
      // The gateway began to listen during the commit: its catch-up could not see this command yet.
      accepted = step(accepted, 'sent', this.now(), 'hub');
      ledger.update(accepted);
    }
    this.deps.logger.info({ command: accepted.id, device: accepted.device, gateway: accepted.gateway, by, write: accepted.write }, 'command accepted');
    if (accepted.status === 'sent') this.deps.deliver(accepted.gateway, wireCommand(accepted));
    this.changed(accepted);
    return { record: accepted, created: true };
  }

  get(id: string): CommandRecord | undefined {
    return this.deps.ledger.get(id);
  }

  list(filter: CommandFilter): CommandRecord[] {
    return this.deps.ledger.list(filter);
  }

  /** Only while the command has not left the hub: once sent, nothing can call it back. Throws ApiError. */
  cancel(id: string, by: string): CommandRecord {
    const record = this.deps.ledger.get(id);
    if (!record) throw new ApiError('command_not_found', `no command ${JSON.stringify(id)}`);
    if (record.status !== 'queued') {
      const why = record.status === 'sent' || record.status === 'delivered'
        ? `it was already sent to gateway ${record.gateway} and cannot be called back`
        : 'it is finished';
      throw new ApiError('command_not_cancellable', `command ${id} is ${record.status}: ${why}`);
    }
    const cancelled = step(record, 'cancelled', this.now(), by);
    this.deps.ledger.updateDurably(cancelled);
    this.deps.logger.info({ command: id, device: record.device, by }, 'command cancelled');
    this.changed(cancelled);
    return cancelled;
  }

  /**
   * The gateway is listening (again): send every open command, oldest first,
   * so each device gets its commands in order. Those sent before go again: the
   * link may have dropped them, or the hub lost their outcome in a power cut.
   * The agent runs an id once and answers a repeat with what it knows.
   */
  gatewayReady(gateway: string): void {
    this.sweep();
    const pending = this.deps.ledger.pending(gateway);
    if (pending.length === 0) return;
    const now = this.now();
    const fresh = pending.filter((r) => r.status === 'queued').map((r) => step(r, 'sent', now, 'hub'));
    this.deps.ledger.update(...fresh);
    const sent = new Map(fresh.map((r) => [r.id, r]));
    for (const record of pending) this.deps.deliver(gateway, wireCommand(sent.get(record.id) ?? record));
    for (const record of fresh) this.changed(record);
    this.deps.logger.info({ gateway, commands: pending.length, resent: pending.length - fresh.length }, 'commands sent to a gateway that is listening again');
  }

  /** A `cmd-result` from a gateway. Unknown ids, other gateways' commands and stale reports are ignored. */
  report(gateway: string, result: CommandResult): void {
    const { ledger, logger } = this.deps;
    const record = ledger.get(result.id);
    if (!record || record.gateway !== gateway) {
      this.deps.metrics?.rejectedMessages.inc({ kind: 'cmd-result' });
      logger.warn({ gateway, command: result.id, owner: record?.gateway }, 'command result for a command this gateway was not sent: ignored');
      return;
    }
    if (!acceptsReport(record, result.status)) {
      logger.debug({ gateway, command: result.id, status: result.status, current: record.status }, 'command result changes nothing (repeated or late)');
      return;
    }
    const next = step(record, result.status, this.now(), 'gateway', result.error);
    if (result.status !== 'delivered') {
      if (result.code !== undefined) next.errorCode = result.code;
      if (result.readback !== undefined) next.readbackValues = result.readback;
    }
    ledger.update(next);
    if (result.status === 'delivered') this.timer.atLatest(next.expires + this.deps.resultTimeoutMs);
    else logger.info({ command: next.id, device: next.device, status: next.status, error: next.error }, 'command finished');
    this.changed(next);
  }

  /** Settle every open command whose deadline has passed, then wait for the next deadline. */
  private sweep(): void {
    const now = this.now();
    const { resultTimeoutMs } = this.deps;
    const settled: CommandRecord[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const record of this.deps.ledger.open()) {
      const verdict = hubVerdict(record, now, resultTimeoutMs);
      if (verdict) settled.push(step(record, verdict.status, now, 'hub', verdict.error));
      else next = Math.min(next, record.status === 'delivered' ? record.expires + resultTimeoutMs : record.expires);
    }
    if (settled.length > 0) {
      this.deps.ledger.update(...settled);
      for (const record of settled) {
        this.deps.logger.info({ command: record.id, device: record.device, status: record.status }, record.error ?? 'command settled by the hub');
        this.changed(record);
      }
    }
    if (Number.isFinite(next)) this.timer.atLatest(next, now);
  }

  private changed(record: CommandRecord): void {
    if (record.status === 'queued' || record.status === 'sent') this.timer.atLatest(record.expires);
    this.deps.metrics?.commandSteps.inc({ status: record.status });
    this.deps.bus.publish({ type: 'command', at: record.updated, device: record.device, gateway: record.gateway, data: record });
  }
}

/** The record after one more step; the outcome fields are those of this step alone. */
function step(record: CommandRecord, status: CommandStatus, t: number, by: string, error?: string): CommandRecord {
  const { error: _error, errorCode: _code, readbackValues: _values, ...base } = record;
  const entry: CommandStep = error === undefined ? { status, t, by } : { status, t, by, error };
  return { ...base, status, updated: t, ...(error === undefined ? {} : { error }), history: [...record.history, entry] };
}

function wireCommand(record: CommandRecord): Command {
  return { id: record.id, device: record.device, write: record.write, expires: record.expires, readback: record.readback };
}

function sameRequest(record: CommandRecord, write: Record<string, PointValue>, readback: boolean): boolean {
  const canonical = (w: Record<string, PointValue>) => JSON.stringify(Object.entries(w).sort(([a], [b]) => (a < b ? -1 : 1)));
  return record.readback === readback && canonical(record.write) === canonical(write);
}
