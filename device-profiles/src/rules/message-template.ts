import type { PointValue } from '../profile/point-types.js';

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Placeholders a template uses: "Voltage {voltage} V" → ["voltage"]. */
export function templatePoints(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/** "Voltage {voltage} V" with voltage 254.31234 → "Voltage 254.31 V". Unknown values read "?". */
export function renderMessage(template: string, values: Readonly<Record<string, PointValue | undefined>>): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const value = values[name];
    if (value === undefined) return '?';
    return typeof value === 'number' ? String(Number(value.toFixed(2))) : String(value);
  });
}
