/**
 * How a multi-register value is laid out on the wire. Letters name the bytes of
 * the value from most to least significant, in the order they arrive:
 * ABCD = big-endian words in big-endian order (the Modbus convention),
 * BADC = bytes swapped in each word, CDAB = words swapped, DCBA = both.
 * For 64-bit values the same rule extends to four words.
 */
export const BYTE_ORDERS = ['ABCD', 'BADC', 'CDAB', 'DCBA'] as const;
export type ByteOrder = (typeof BYTE_ORDERS)[number];

const wordsReversed = (order: ByteOrder) => order === 'CDAB' || order === 'DCBA';
const bytesSwapped = (order: ByteOrder) => order === 'BADC' || order === 'DCBA';

/** Registers as received → the value's bytes, most significant first. */
export function wordsToBytes(words: ArrayLike<number>, order: ByteOrder): Buffer {
  const n = words.length;
  const bytes = Buffer.allocUnsafe(n * 2);
  for (let i = 0; i < n; i++) {
    const word = words[wordsReversed(order) ? n - 1 - i : i]! & 0xffff;
    const high = word >> 8;
    const low = word & 0xff;
    bytes[2 * i] = bytesSwapped(order) ? low : high;
    bytes[2 * i + 1] = bytesSwapped(order) ? high : low;
  }
  return bytes;
}

/** The value's bytes, most significant first → registers to send. */
export function bytesToWords(bytes: Uint8Array, order: ByteOrder): number[] {
  const n = bytes.length / 2;
  const words = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const a = bytes[2 * i]!;
    const b = bytes[2 * i + 1]!;
    words[wordsReversed(order) ? n - 1 - i : i] = bytesSwapped(order) ? (b << 8) | a : (a << 8) | b;
  }
  return words;
}
