import type { FaultStack } from './fault-stack.js';
import type { DeviceTally } from './hub-tally.js';

/** A fault test's outcome, in readings: what the simulators served against what the hub stored. */
export interface Figures {
  produced: number;
  stored: number;
  /** Dropped by the outbox policy (the agent's own count). */
  droppedByPolicy: number;
  /** Produced, neither stored nor dropped by policy. */
  lost: number;
  /** Stored more than once. */
  duplicates: number;
}

export interface Count extends Figures {
  /** What the hub holds per device. */
  tallies: Map<string, DeviceTally>;
}

/** Count at the hub against `produced` (readings per device, from `freeze`). */
export async function countAtHub(stack: FaultStack, produced: Record<string, number>, droppedByPolicy = 0): Promise<Count> {
  const tallies = new Map((await stack.tally()).map((tally, i) => [stack.ids[i]!, tally]));
  const stored = [...tallies.values()].reduce((sum, t) => sum + t.readings, 0);
  const total = Object.values(produced).reduce((sum, n) => sum + n, 0);
  return {
    produced: total,
    stored,
    droppedByPolicy,
    lost: total - stored - droppedByPolicy,
    duplicates: await stack.duplicates(stored),
    tallies,
  };
}

/** One line per test, for the record (`npx vitest run test/faults` prints them). */
export function printFigures(test: string, figures: Figures, more: Record<string, unknown> = {}): void {
  const { produced, stored, droppedByPolicy, lost, duplicates } = figures;
  console.log(`[fault figures] ${test}: ${JSON.stringify({ produced, stored, droppedByPolicy, lost, duplicates, ...more })}`);
}
