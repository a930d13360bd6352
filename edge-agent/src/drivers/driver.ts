import type { DeviceInstance, DeviceProfile, ProfilePoint, Protocol } from '@afferent/device-profiles';

/**
 * The driver contract. A driver moves raw data between the agent and one kind
 * of field device; it knows its protocol, not the meaning of the data. The
 * agent applies the profile (device-profiles' POINT_CODECS) on both sides:
 * it decodes what `read` returns and encodes what it gives to `write`.
 *
 * A session heals by itself: after the device, the PLC or the server restarts,
 * the next call reconnects (with backoff) and subscriptions are re-created.
 * Errors are thrown as DriverError with a message that says what failed where.
 */

/** One device: what it is (profile) and where it is (instance). */
export interface DeviceTarget {
  readonly instance: DeviceInstance;
  readonly profile: DeviceProfile;
}

/** Per point: its raw data, or why it could not be read. */
export type RawReadResult = Map<string, { raw: unknown } | { error: DriverError }>;

/** One point's raw value to write (from POINT_CODECS.encode). */
export interface RawWrite {
  readonly point: ProfilePoint;
  readonly raw: unknown;
}

/** Called with raw data the device pushed (OPC UA monitored item, CoAP observe, MQTT message). */
export type RawListener = (point: string, raw: unknown, sourceTime: number) => void;

/**
 * How a subscription fares, so that health can tell a silent subscription
 * from a quiet device. A subscription heals by itself; these only report.
 */
export interface PushEvents {
  /** The push path is in force: (re)established, a keep-alive, or values arrived. */
  alive(t: number): void;
  /** The push path is down (connection lost, nothing heard for too long); it keeps trying. */
  lost(error: DriverError): void;
  /** One point cannot be pushed (an unknown node, a refused observation); the others still are. */
  pointFailed(point: string, error: DriverError): void;
}

export interface DeviceSession {
  /** Read these points; one failed point does not fail the others. Rejects only when the device is unreachable. */
  read(points: readonly ProfilePoint[]): Promise<RawReadResult>;
  /** Write in order; rejects with the device's own error (e.g. Modbus exception 02). */
  write(writes: readonly RawWrite[]): Promise<void>;
  /**
   * Push delivery, where the protocol has it. Resolves once the first attempt
   * is over (in force, or failed and reported to `events.lost`: it keeps
   * trying); returns the function that ends the subscription.
   */
  subscribe?(points: readonly ProfilePoint[], listener: RawListener, events?: PushEvents): Promise<() => Promise<void>>;
  /** With `subscribe`: whether the device pushes this point; the agent polls the others. */
  pushes?(point: ProfilePoint): boolean;
  close(): Promise<void>;
}

export interface Driver {
  readonly protocol: Protocol;
  /** Prepare a session; connecting happens on first use and again after any failure. */
  open(target: DeviceTarget): DeviceSession;
  /**
   * Have the driver's library loaded before its first session, where loading
   * is deferred. Resolves either way: a failure to load is each session's error.
   */
  load?(): Promise<void>;
  /** Close every session and connection of this driver. */
  close(): Promise<void>;
}

export type DriverErrorKind =
  /** No connection, connection refused or dropped. */
  | 'unreachable'
  /** The device did not answer in time. */
  | 'timeout'
  /** The device answered with an error of its own (a Modbus exception, an OPC UA bad status). */
  | 'device'
  /** The device answered something the driver cannot make sense of. */
  | 'protocol';

export class DriverError extends Error {
  constructor(
    readonly kind: DriverErrorKind,
    message: string,
    /** The device's own error code where it has one, e.g. Modbus exception 2. */
    readonly code?: number | string,
  ) {
    super(message);
    this.name = 'DriverError';
  }
}
