import type { QueryResult, SampleValue } from '../timeseries/timeseries-store.js';

export const CSV_TYPE = 'text/csv; charset=utf-8';

/** RFC 4180: quote a field when it holds a comma, a quote or a line break; double the quotes. */
function field(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function cell(value: SampleValue): string {
  return typeof value === 'string' ? field(value) : String(value);
}

/**
 * A query result as CSV, one line per value, series after series (device,
 * point) and oldest first: `device,point,t,time,value` with t in ms and time
 * in ISO 8601 (UTC). Values are written as they are stored: no spreadsheet
 * formula guarding, which would change the data.
 */
export function telemetryCsv(result: QueryResult): string {
  const lines = ['device,point,t,time,value'];
  for (const [device, points] of Object.entries(result.devices)) {
    for (const [point, values] of Object.entries(points)) {
      const prefix = `${field(device)},${field(point)},`;
      for (const { t, v } of values) lines.push(`${prefix}${t},${new Date(t).toISOString()},${cell(v)}`);
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
