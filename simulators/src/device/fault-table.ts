import type { Fault } from './fault.js';

const EVERY_DEVICE = Symbol('every device');

/**
 * The faults in force on one server: per device (a Modbus unit id, a device
 * id) or for every device it serves. A device's own fault wins.
 */
export class FaultTable<Key> {
  private readonly faults = new Map<Key | typeof EVERY_DEVICE, Fault>();

  /** Inject a fault for one device, or for every device when no key is given; undefined clears it. */
  set(fault: Fault | undefined, key?: Key): void {
    const slot = key ?? EVERY_DEVICE;
    if (fault) this.faults.set(slot, fault);
    else this.faults.delete(slot);
  }

  of(key: Key): Fault | undefined {
    return this.faults.get(key) ?? this.faults.get(EVERY_DEVICE);
  }
}
