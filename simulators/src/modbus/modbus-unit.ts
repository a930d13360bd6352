import {
  CodecError, checkPointValue, decodeModbusPoint, encodeModbusPoint, type ModbusRaw, type PointValue,
} from '@afferent/device-profiles';
import type { SimulatedDevice } from '../device/simulated-device.js';
import { MODBUS_EXCEPTION, modbusException } from './modbus-exception.js';
import { buildRegisterMap, type AddressEntry, type RegisterMap } from './register-map.js';

/**
 * One simulated device as a Modbus unit: turns its point values into
 * registers and bits, and register writes back into point values, with the
 * profile's codecs. Errors are thrown as Modbus exceptions.
 */
export class ModbusUnit {
  private readonly map: RegisterMap;

  constructor(readonly device: SimulatedDevice) {
    this.map = buildRegisterMap(device.profile);
  }

  readRegisters(table: 'holding' | 'input', address: number, length: number): number[] {
    const t = Date.now();
    const cache = new Map<string, ModbusRaw>();
    const words: number[] = [];
    for (let a = address; a < address + length; a++) {
      const entries = this.entries(table, a);
      let word = 0;
      for (const entry of entries) {
        const raw = this.rawOf(entry, t, cache);
        if ('words' in raw) word = raw.words[entry.offset]!;
      }
      // Bits after whole-register values: a bool may share a register with nothing else but other bits.
      for (const entry of entries) {
        const raw = this.rawOf(entry, t, cache);
        if ('bit' in raw && entry.location.bit !== undefined) word = raw.bit ? word | (1 << entry.location.bit) : word & ~(1 << entry.location.bit);
      }
      words.push(word & 0xffff);
    }
    this.device.reads++;
    return words;
  }

  readBit(table: 'coil' | 'discrete', address: number): boolean {
    const [entry] = this.entries(table, address);
    const raw = this.rawOf(entry!, Date.now(), new Map());
    return 'bit' in raw && raw.bit;
  }

  /** FC06/FC16: all-or-nothing, as the values are checked before any is applied. */
  writeRegisters(address: number, words: readonly number[]): void {
    const t = Date.now();
    const cache = new Map<string, ModbusRaw>();
    const pending = new Map<string, { entry: AddressEntry; words: number[]; bit?: boolean }>();
    words.forEach((word, i) => {
      for (const entry of this.entries('holding', address + i)) {
        if (!this.device.isWritable(entry.point.name)) {
          throw modbusException(MODBUS_EXCEPTION.illegalDataAddress, `${entry.point.name} is read-only`);
        }
        const name = entry.point.name;
        let change = pending.get(name);
        if (!change) {
          const current = this.rawOf(entry, t, cache);
          change = { entry, words: 'words' in current ? [...current.words] : [] };
          pending.set(name, change);
        }
        if (entry.location.bit !== undefined) change.bit = ((word >> entry.location.bit) & 1) === 1;
        else change.words[entry.offset] = word & 0xffff;
      }
    });
    const decoded = [...pending.values()].map((change) => {
      const raw: ModbusRaw = change.bit !== undefined ? { words: [change.bit ? 1 << change.entry.location.bit! : 0] } : { words: change.words };
      return { change, value: this.decodeForWrite(change.entry, raw) };
    });
    for (const { change, value } of decoded) {
      const name = change.entry.point.name;
      this.device.applyWrite(name, value, change.bit === undefined ? { words: change.words } : undefined);
    }
  }

  writeCoil(address: number, value: boolean): void {
    const [entry] = this.entries('coil', address);
    if (!this.device.isWritable(entry!.point.name)) {
      throw modbusException(MODBUS_EXCEPTION.illegalDataAddress, `${entry!.point.name} is read-only`);
    }
    this.device.applyWrite(entry!.point.name, value);
  }

  private entries(table: keyof RegisterMap, address: number): AddressEntry[] {
    const entries = this.map[table].get(address);
    if (!entries) throw modbusException(MODBUS_EXCEPTION.illegalDataAddress, `no ${table} at ${address}`);
    return entries;
  }

  /** A point's raw form now: what was written to it, or its value encoded. */
  private rawOf(entry: AddressEntry, t: number, cache: Map<string, ModbusRaw>): ModbusRaw {
    const name = entry.point.name;
    const cached = cache.get(name);
    if (cached) return cached;
    const held = this.device.heldRaw(name) as ModbusRaw | undefined;
    let raw: ModbusRaw;
    if (held) raw = held;
    else {
      try {
        const encoded = encodeModbusPoint(entry.point, entry.location, this.device.get(name, t), { strict: false });
        raw = 'maskedBit' in encoded ? { bit: encoded.maskedBit.value } : encoded;
      } catch (error) {
        // A scenario driving a point with a value its type cannot hold: the device "fails".
        throw modbusException(MODBUS_EXCEPTION.serverDeviceFailure, (error as Error).message);
      }
    }
    cache.set(name, raw);
    return raw;
  }

  private decodeForWrite(entry: AddressEntry, raw: ModbusRaw): PointValue {
    try {
      const value = decodeModbusPoint(entry.point, entry.location, raw);
      const refusal = checkPointValue(entry.point, value);
      if (refusal) throw new CodecError(refusal);
      return value;
    } catch (error) {
      if (error instanceof CodecError) throw modbusException(MODBUS_EXCEPTION.illegalDataValue, error.message);
      throw error;
    }
  }
}
