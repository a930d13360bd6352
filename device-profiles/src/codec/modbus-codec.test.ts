import { describe, expect, it } from 'vitest';
import { BYTE_ORDERS, type ByteOrder } from './byte-order.js';
import { CodecError } from './codec-error.js';
import { decodeModbusWords, encodeModbusWords } from './modbus-codec.js';
import type { PointType } from '../profile/point-types.js';

/**
 * Golden vectors, produced independently with Python's struct module
 * (big-endian pack, then words swapped and/or byte-swapped per order).
 */
const GOLDEN: Record<Exclude<PointType, 'bool'>, { value: number | string; words: Record<ByteOrder, number[]> }> = {
  int16: { value: -12345, words: { ABCD: [0xcfc7], BADC: [0xc7cf], CDAB: [0xcfc7], DCBA: [0xc7cf] } },
  uint16: { value: 48879, words: { ABCD: [0xbeef], BADC: [0xefbe], CDAB: [0xbeef], DCBA: [0xefbe] } },
  int32: { value: -123456789, words: { ABCD: [0xf8a4, 0x32eb], BADC: [0xa4f8, 0xeb32], CDAB: [0x32eb, 0xf8a4], DCBA: [0xeb32, 0xa4f8] } },
  uint32: { value: 3000000000, words: { ABCD: [0xb2d0, 0x5e00], BADC: [0xd0b2, 0x005e], CDAB: [0x5e00, 0xb2d0], DCBA: [0x005e, 0xd0b2] } },
  int64: { value: -1234567890123456, words: { ABCD: [0xfffb, 0x9d2a, 0xc375, 0x4540], BADC: [0xfbff, 0x2a9d, 0x75c3, 0x4045], CDAB: [0x4540, 0xc375, 0x9d2a, 0xfffb], DCBA: [0x4045, 0x75c3, 0x2a9d, 0xfbff] } },
  uint64: { value: 4503599627370497, words: { ABCD: [0x0010, 0x0000, 0x0000, 0x0001], BADC: [0x1000, 0x0000, 0x0000, 0x0100], CDAB: [0x0001, 0x0000, 0x0000, 0x0010], DCBA: [0x0100, 0x0000, 0x0000, 0x1000] } },
  float32: { value: 230.1, words: { ABCD: [0x4366, 0x199a], BADC: [0x6643, 0x9a19], CDAB: [0x199a, 0x4366], DCBA: [0x9a19, 0x6643] } },
  float64: { value: -12345.6789, words: { ABCD: [0xc0c8, 0x1cd6, 0xe631, 0xf8a1], BADC: [0xc8c0, 0xd61c, 0x31e6, 0xa1f8], CDAB: [0xf8a1, 0xe631, 0x1cd6, 0xc0c8], DCBA: [0xa1f8, 0x31e6, 0xd61c, 0xc8c0] } },
  string: { value: 'SDM120-M', words: { ABCD: [0x5344, 0x4d31, 0x3230, 0x2d4d], BADC: [0x4453, 0x314d, 0x3032, 0x4d2d], CDAB: [0x2d4d, 0x3230, 0x4d31, 0x5344], DCBA: [0x4d2d, 0x3032, 0x314d, 0x4453] } },
};

describe('modbus codec golden vectors', () => {
  for (const [type, vector] of Object.entries(GOLDEN) as [Exclude<PointType, 'bool'>, (typeof GOLDEN)['int16']][]) {
    for (const order of BYTE_ORDERS) {
      const words = vector.words[order];
      it(`${type} ${order}: registers → value`, () => {
        expect(decodeModbusWords(type, words, order)).toBe(vector.value);
      });
      it(`${type} ${order}: value → registers`, () => {
        expect(encodeModbusWords(type, vector.value, order, { length: words.length })).toEqual(words);
      });
    }
  }
});

describe('bool in a register bit', () => {
  it('reads the named bit', () => {
    expect(decodeModbusWords('bool', [0b0000_0100_0000_0000], 'ABCD', 10)).toBe(true);
    expect(decodeModbusWords('bool', [0b1111_1011_1111_1111], 'ABCD', 10)).toBe(false);
  });
  it('sets or clears one bit and keeps the other fifteen', () => {
    expect(encodeModbusWords('bool', true, 'ABCD', { bit: 3, current: 0xf0f0 })).toEqual([0xf0f8]);
    expect(encodeModbusWords('bool', false, 'ABCD', { bit: 4, current: 0xf0f0 })).toEqual([0xf0e0]);
  });
});

describe('edge cases', () => {
  it('trims NUL and space padding from strings, and pads on encode', () => {
    expect(decodeModbusWords('string', [0x4142, 0x4300, 0x0000], 'ABCD')).toBe('ABC');
    expect(encodeModbusWords('string', 'ABC', 'ABCD', { length: 3 })).toEqual([0x4142, 0x4300, 0x0000]);
  });
  it('reports float32 without widening noise', () => {
    expect(decodeModbusWords('float32', [0x3dcc, 0xcccd], 'ABCD')).toBe(0.1);
    expect(decodeModbusWords('float32', [0x7fc0, 0x0000], 'ABCD')).toBeNaN();
  });
  it('refuses the wrong number of registers', () => {
    expect(() => decodeModbusWords('float32', [0x4366], 'ABCD')).toThrow(CodecError);
    expect(() => decodeModbusWords('float32', [0x4366], 'ABCD')).toThrow(/needs 2 registers, got 1/);
  });
  it('refuses values that do not fit the type', () => {
    expect(() => encodeModbusWords('int16', 40000, 'ABCD')).toThrow(/does not fit in int16/);
    expect(() => encodeModbusWords('uint16', -1, 'ABCD')).toThrow(/does not fit in uint16/);
    expect(() => encodeModbusWords('int32', 1.5, 'ABCD')).toThrow(/does not fit/);
    expect(() => encodeModbusWords('string', 'TOO LONG', 'ABCD', { length: 2 })).toThrow(/does not fit in 2 registers/);
    expect(() => encodeModbusWords('float32', 'x', 'ABCD')).toThrow(/expected a number/);
  });
});

describe('point codec', () => {
  it('turns a bool in a register bit into a masked write', async () => {
    const { modbusPointCodec } = await import('./modbus-point.js');
    const profile = {
      profile: 'p', version: 1, protocol: 'modbus' as const,
      points: [{ name: 'alarm_bit', type: 'bool' as const, access: 'rw' as const, modbus: { address: 3, bit: 5 } }],
    };
    const point = profile.points[0]!;
    expect(modbusPointCodec.encode(profile, point, true)).toEqual({ maskedBit: { bit: 5, value: true } });
    expect(modbusPointCodec.decode(profile, point, { words: [0b10_0000] })).toBe(true);
  });
});
