/** Plain-text output for people: aligned tables, times, ages and values. */

/** Columns padded to their widest cell; the last column is not padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** 2026-01-31 12:00:00Z */
export function time(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** "3s ago", "5m ago", "2h ago", "4d ago" */
export function age(ms: number | null | undefined, now = Date.now()): string {
  if (ms === null || ms === undefined) return 'never';
  const seconds = Math.max(0, Math.round((now - ms) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}

export function value(v: unknown, unit?: string): string {
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return unit ? `${text} ${unit}` : text;
}

/** point=value, point=value */
export function writes(write: Readonly<Record<string, unknown>>): string {
  return Object.entries(write).map(([point, v]) => `${point}=${value(v)}`).join(' ');
}

/** site=plant-2 line=4 */
export function labels(map: Readonly<Record<string, string>>): string {
  return Object.entries(map).map(([key, v]) => `${key}=${v}`).join(' ');
}
