import type { DeviceProfile, ProfilePoint, Protocol } from '@afferent/device-profiles';
import { DriverError, type DeviceSession, type DeviceTarget, type Driver } from './driver.js';

/**
 * A driver whose library is loaded when a device first needs it. node-opcua
 * costs about 60 MB of memory and an RSA key generation at load, coap and
 * modbus-serial 12–15 MB each: a gateway pays only for the protocols it uses. Sessions forward every
 * call once the driver is there; which points it pushes is known without it.
 */
export function lazyDriver(protocol: Protocol, load: () => Promise<Driver>, pushes: (profile: DeviceProfile, point: ProfilePoint) => boolean): Driver {
  let loading: Promise<Driver> | undefined;
  const driver = () =>
    (loading ??= load().catch((error: unknown) => {
      throw new DriverError('protocol', `the ${protocol} driver could not be loaded: ${(error as Error).message}`);
    }));
  return {
    protocol,
    async load() {
      await driver().catch(() => undefined);
    },
    open(target: DeviceTarget): DeviceSession {
      const session = driver().then((d) => d.open(target));
      session.catch(() => undefined);
      return {
        read: async (points) => (await session).read(points),
        write: async (writes) => (await session).write(writes),
        subscribe: async (points, listener, events) => {
          const real = await session;
          if (!real.subscribe) throw new DriverError('protocol', `the ${protocol} driver has no subscriptions`);
          return real.subscribe(points, listener, events);
        },
        pushes: (point) => pushes(target.profile, point),
        close: async () => (await session).close(),
      };
    },
    async close() {
      if (!loading) return;
      const loaded = await loading.catch(() => undefined);
      await loaded?.close();
    },
  };
}
