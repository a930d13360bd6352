import type { Logger } from 'pino';
import type { DeviceHealth } from '@afferent/device-profiles';
import type { PollObserver } from './sampling/device-poller.js';
import { DeviceHealthTracker } from './sampling/device-health.js';
import type { AgentMetrics } from './status/agent-metrics.js';

/**
 * Where what the pollers see goes: device health (status, /healthz), the
 * metrics, and the log. The log says when a device goes down and comes
 * back, not every failed poll.
 */
export class DeviceObserver implements PollObserver {
  private readonly health = new Map<string, DeviceHealthTracker>();

  constructor(
    private readonly metrics: AgentMetrics,
    private readonly log: Logger,
  ) {}

  /** Track a device from the start, so that one that never answers is still listed. */
  add(device: string): DeviceHealthTracker {
    const tracker = new DeviceHealthTracker();
    this.health.set(device, tracker);
    return tracker;
  }

  /** A device that no longer runs leaves status and /healthz. */
  remove(device: string): void {
    this.health.delete(device);
  }

  snapshot(): Record<string, DeviceHealth> {
    return Object.fromEntries([...this.health].map(([device, tracker]) => [device, tracker.snapshot()]));
  }

  readSucceeded(device: string, t: number, latencyMs: number): void {
    const tracker = this.tracker(device);
    if (!tracker.isReachable && tracker.snapshot().readErrors > 0) this.log.info({ device }, 'device answers again');
    tracker.readSucceeded(t, latencyMs);
    this.metrics.readLatency.observe({ device }, latencyMs / 1000);
  }

  pushAlive(device: string, t: number): void {
    const tracker = this.tracker(device);
    if (!tracker.isReachable && tracker.snapshot().readErrors > 0) this.log.info({ device }, 'device answers again');
    tracker.pushAlive(t);
  }

  readFailed(device: string, error: { kind: string; message: string }): void {
    const tracker = this.tracker(device);
    const first = tracker.isReachable || tracker.snapshot().readErrors === 0;
    tracker.readFailed(error.message);
    this.metrics.readErrors.inc({ device, kind: error.kind });
    if (first) this.log.warn({ device, kind: error.kind }, error.message);
  }

  pointFailed(device: string, point: string, kind: string, message: string): void {
    this.tracker(device).pointFailed(message);
    this.metrics.readErrors.inc({ device, kind });
    this.log.debug({ device, point, kind }, message);
  }

  reported(device: string, readings: readonly { v: Record<string, unknown> }[]): void {
    this.metrics.readings.inc({ device }, readings.length);
    this.metrics.points.inc({ device }, readings.reduce((sum, r) => sum + Object.keys(r.v).length, 0));
  }

  private tracker(device: string): DeviceHealthTracker {
    return this.health.get(device) ?? this.add(device);
  }
}
