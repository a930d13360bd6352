/** One line of a benchmark's result table. */
export interface BenchRow {
  metric: string;
  value: string;
  /** The target from the issue, when there is one. */
  target?: string;
  met?: boolean;
}

export interface BenchResult {
  suite: string;
  /** What was measured, on what, so a number is never read without its setup. */
  setup: string;
  rows: BenchRow[];
}

export const fmt = {
  rate: (n: number, unit: string) => `${Math.round(n).toLocaleString('en')} ${unit}`,
  ms: (n: number) => `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`,
  mb: (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`,
  pct: (n: number) => `${Math.round(n)} %`,
};
