import { parseDuration, type PointValue } from '@afferent/device-profiles';
import type { SignalSpec } from './signal-spec.js';

/** A value as a function of time. Pure in `t`, except the random walk, which only moves forward. */
export type Signal = (t: number) => PointValue;

/** mulberry32: small, fast, seedable, so a scenario replays the same walk. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hashSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * Build a signal; `origin` is when it starts (counters and steps count from
 * there); `reads` is how many reads the device has answered so far.
 */
export function createSignal(spec: SignalSpec, origin: number, seed: number, reads: () => number = () => 0): Signal {
  switch (spec.kind) {
    case 'constant':
      return () => spec.value;
    case 'sine': {
      const period = parseDuration(spec.period);
      const mid = (spec.max + spec.min) / 2;
      const amplitude = (spec.max - spec.min) / 2;
      const phase = (spec.phase ?? 0) * 2 * Math.PI;
      return (t) => mid + amplitude * Math.sin((2 * Math.PI * (t - origin)) / period + phase);
    }
    case 'step': {
      const every = parseDuration(spec.every);
      return (t) => spec.values[Math.floor(Math.max(0, t - origin) / every) % spec.values.length]!;
    }
    case 'counter': {
      const start = spec.start ?? 0;
      return (t) => start + (spec.rate * Math.max(0, t - origin)) / 1000;
    }
    case 'reads': {
      // The ordinal of the read being answered: every read a new value, and the device's own count of what it
      // served, so a test can tell exactly which readings reached the far end.
      const start = spec.start ?? 0;
      return () => start + reads() + 1;
    }
    case 'random-walk': {
      const every = parseDuration(spec.every ?? '1s');
      const random = seededRandom(seed);
      const clamp = (v: number) => Math.min(spec.max ?? Infinity, Math.max(spec.min ?? -Infinity, v));
      let value = clamp(spec.start);
      let steps = 0;
      return (t) => {
        const due = Math.floor(Math.max(0, t - origin) / every);
        // A device that was not read for a long time still walks, but the walk is bounded per read.
        const todo = Math.min(due - steps, 10_000);
        for (let i = 0; i < todo; i++) value = clamp(value + (random() * 2 - 1) * spec.step);
        steps = Math.max(steps, due);
        return value;
      };
    }
  }
}
