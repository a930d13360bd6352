import { describe, expect, it } from 'vitest';
import { createSignal } from './signal.js';

describe('signals', () => {
  it('sine swings between min and max over its period', () => {
    const s = createSignal({ kind: 'sine', min: 10, max: 30, period: '4s' }, 0, 1);
    expect(s(0)).toBeCloseTo(20);
    expect(s(1000)).toBeCloseTo(30);
    expect(s(3000)).toBeCloseTo(10);
  });
  it('step cycles through its values', () => {
    const s = createSignal({ kind: 'step', values: ['off', 'auto', 'manual'], every: '10s' }, 0, 1);
    expect([0, 9_999, 10_000, 20_000, 30_000].map(s)).toEqual(['off', 'off', 'auto', 'manual', 'off']);
  });
  it('counter grows at its rate per second', () => {
    const s = createSignal({ kind: 'counter', start: 100, rate: 0.5 }, 1000, 1);
    expect(s(1000)).toBe(100);
    expect(s(11_000)).toBe(105);
  });
  it('reads gives each read its ordinal (after start), so every read returns a new value', () => {
    let answered = 0;
    const s = createSignal({ kind: 'reads', start: 100 }, 0, 1, () => answered);
    expect(s(0)).toBe(101);
    answered = 2;
    expect(s(0)).toBe(103);
  });
  it('random walk stays within bounds, moves by at most a step, and repeats with the same seed', () => {
    const walk = (seed: number) => {
      const s = createSignal({ kind: 'random-walk', start: 5, step: 1, min: 0, max: 10, every: '1s' }, 0, seed);
      return Array.from({ length: 200 }, (_, i) => s(i * 1000) as number);
    };
    const a = walk(42);
    expect(a).toEqual(walk(42));
    expect(a).not.toEqual(walk(43));
    for (let i = 1; i < a.length; i++) {
      expect(Math.abs(a[i]! - a[i - 1]!)).toBeLessThanOrEqual(1);
      expect(a[i]).toBeGreaterThanOrEqual(0);
      expect(a[i]).toBeLessThanOrEqual(10);
    }
  });
});
