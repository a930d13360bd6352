import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { POINT_CODECS, isReadable, type DeviceProfile, type PointValue, type ProfilePoint } from '@afferent/device-profiles';
import { waitFor } from '@afferent/testkit';
import { DriverError, type DeviceSession, type DeviceTarget, type Driver, type RawReadResult } from '../driver.js';

/**
 * What the contract suite needs from one protocol: a real peer (a simulator
 * or a third-party server) it can start, restart and make misbehave, and the
 * driver under test. A new harness is made for every case.
 */
export interface DriverContractHarness {
  /** Start the peer; the device target that reaches it. Its profile has readable and writable points. */
  start(): Promise<DeviceTarget>;
  /** The peer goes away, as a device losing power. */
  stopPeer(): Promise<void>;
  /** The peer is back at the same address, holding `values()` again. */
  startPeer(): Promise<void>;
  /** What the peer holds for every readable point, decoded: what a read must give. */
  values(): Record<string, PointValue>;
  /** Writable points and a value for each that differs from what the peer holds. */
  writes: Record<string, PointValue>;
  /** Make the peer answer garbage (bytes that are not its protocol), or answer normally again. */
  garble(on: boolean): void | Promise<void>;
  /** Change a value at the peer, for a subscription to see. Only for drivers with `subscribe`. */
  change?(point: string, value: PointValue): void | Promise<void>;
  createDriver(): Driver;
  /** Stop everything the harness started. */
  stop(): Promise<void>;
}

/**
 * The behaviour every driver owes the agent (see driver.ts), checked against
 * a real peer. Run it from `<protocol>.contract.test.ts`:
 * `describeDriverContract('Modbus TCP', () => modbusHarness('tcp'))`.
 */
export function describeDriverContract(name: string, makeHarness: () => DriverContractHarness): void {
  describe(`driver contract: ${name}`, () => {
    let harness: DriverContractHarness;
    let driver: Driver;
    let target: DeviceTarget;
    let session: DeviceSession;
    const faults: unknown[] = [];
    const onFault = (error: unknown) => faults.push(error);

    beforeEach(async () => {
      faults.length = 0;
      process.on('uncaughtException', onFault);
      process.on('unhandledRejection', onFault);
      harness = makeHarness();
      target = await harness.start();
      driver = harness.createDriver();
      session = driver.open(target);
    });

    afterEach(async () => {
      await driver.close();
      await harness.stop();
      process.off('uncaughtException', onFault);
      process.off('unhandledRejection', onFault);
      // Whatever a case did to the peer, nothing may have escaped the driver.
      expect(faults).toEqual([]);
    });

    const readable = () => target.profile.points.filter(isReadable);
    const readAll = async () => decodeAll(target.profile, await session.read(readable()));

    it('opens and reads every readable point, decoded by the profile', async () => {
      expect(await readAll()).toEqual(harness.values());
    });

    it('writes each writable point and reads it back', async () => {
      const points = Object.keys(harness.writes).map((name) => pointOf(target.profile, name));
      expect(points.length).toBeGreaterThan(0);
      for (const point of points) {
        const value = harness.writes[point.name];
        expect(value, `${point.name} must change`).not.toEqual(harness.values()[point.name]);
        await session.write([{ point, raw: POINT_CODECS[target.profile.protocol].encode(target.profile, point, value) }]);
      }
      expect(decodeAll(target.profile, await session.read(points))).toEqual(harness.writes);
    });

    it('subscribes where the protocol pushes, and only then offers subscribe', async () => {
      expect(typeof session.subscribe === 'function', 'a harness with change() for a driver with subscribe()').toBe(harness.change !== undefined);
      if (!session.subscribe || !harness.change) return;
      const [name, value] = Object.entries(harness.writes)[0]!;
      const seen: PointValue[] = [];
      const point = pointOf(target.profile, name);
      const end = await session.subscribe([point], (pointName, raw) => {
        if (pointName === name) seen.push(POINT_CODECS[target.profile.protocol].decode(target.profile, point, raw));
      });
      await harness.change(name, value);
      await waitFor(`the subscription to deliver ${name}`, () => seen.some((v) => JSON.stringify(v) === JSON.stringify(value)));
      await end();
    });

    it('recovers by itself after the peer restarts, with the same session', async () => {
      expect(await readAll()).toEqual(harness.values());
      await harness.stopPeer();
      // While the peer is away, a read fails as the contract says: a DriverError, not a hang or a crash.
      await settleAsDriverError(session.read(readable()));
      await harness.startPeer();
      await waitFor('reads to work again after the restart', async () => JSON.stringify(await readAll().catch(() => undefined)) === JSON.stringify(harness.values()));
    });

    it('garbage from the peer is a DriverError, and the next read after it works', async () => {
      await harness.garble(true);
      await settleAsDriverError(session.read(readable()));
      await harness.garble(false);
      await waitFor('reads to work again after the garbage', async () => JSON.stringify(await readAll().catch(() => undefined)) === JSON.stringify(harness.values()));
    });

    it('fails every call after close() with a DriverError', async () => {
      await driver.close();
      const error = await session.read(readable()).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(DriverError);
    });
  });
}

/** A read that failed as the contract allows: rejected with a DriverError, or every point carrying one. */
async function settleAsDriverError(read: Promise<RawReadResult>): Promise<void> {
  const outcome = await read.then((results) => results, (error: unknown) => error);
  if (outcome instanceof Map) {
    expect(outcome.size).toBeGreaterThan(0);
    for (const [name, result] of outcome) expect('error' in result && result.error, `point ${name}`).toBeInstanceOf(DriverError);
  } else {
    expect(outcome).toBeInstanceOf(DriverError);
  }
}

function pointOf(profile: DeviceProfile, name: string): ProfilePoint {
  const point = profile.points.find((p) => p.name === name);
  if (!point) throw new Error(`profile ${profile.profile} has no point ${name}`);
  return point;
}

function decodeAll(profile: DeviceProfile, results: RawReadResult): Record<string, PointValue> {
  const values: Record<string, PointValue> = {};
  for (const [name, result] of results) {
    if ('error' in result) throw result.error;
    values[name] = POINT_CODECS[profile.protocol].decode(profile, pointOf(profile, name), result.raw);
  }
  return values;
}
