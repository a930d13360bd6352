import { Type } from 'typebox';

const UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** A duration written for humans: "250ms", "5s", "1.5m", "2h", "7d". */
export const DurationSchema = Type.String({
  pattern: DURATION.source,
  expected: 'a duration such as 250ms, 5s, 1m, 2h or 7d',
});

/** Milliseconds in a duration string; throws on anything the schema would refuse. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text);
  if (!match) throw new Error(`not a duration: ${JSON.stringify(text)} (write e.g. 250ms, 5s, 1m, 2h, 7d)`);
  return Math.round(Number(match[1]) * UNITS_MS[match[2] as keyof typeof UNITS_MS]);
}

export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
