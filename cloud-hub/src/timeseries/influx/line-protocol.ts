import type { Sample, SampleValue } from '../timeseries-store.js';

/**
 * InfluxDB line protocol for the hub's samples: one line per reading (a
 * device at one time), all its points as fields, timestamps in ms.
 *
 * Escaping is done here rather than with the client's `Point`, which leaves
 * backslashes alone: a tag value or point name ending in "\" would then escape
 * the separator after it and change the line. Backslashes are escaped too
 * (InfluxDB reads "\\" as one backslash), and line breaks in names and tag
 * values become the two characters "\n" (line protocol has no way to carry
 * them; a raw one would end the line and start another).
 */

const breaks = (text: string) => text.replaceAll('\n', '\\n').replaceAll('\r', '\\r');

export function escapeMeasurement(text: string): string {
  return breaks(text.replace(/[\\, ]/g, '\\$&'));
}

/** Tag keys, tag values and field keys. */
export function escapeKey(text: string): string {
  return breaks(text.replace(/[\\,= ]/g, '\\$&'));
}

/** String field values may hold line breaks inside their quotes; only \ and " are escaped. */
function fieldValue(value: SampleValue): string {
  if (typeof value === 'number') return String(value); // always a float field: a point never changes type by being whole
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

export interface SeriesTags {
  measurement: string;
  /** Empty values are left out (line protocol has no empty tag value). */
  tags: Record<string, string>;
}

export interface Line {
  line: string;
  points: number;
}

/**
 * Samples → lines, one per (device, t), in the order readings first appear.
 * `tagsOf` gives the measurement and tags of a device.
 */
export function toLines(samples: readonly Sample[], tagsOf: (device: string) => SeriesTags): Line[] {
  const readings = new Map<string, { device: string; t: number; fields: Map<string, SampleValue> }>();
  for (const sample of samples) {
    const key = `${sample.device}\u0000${sample.t}`;
    let reading = readings.get(key);
    if (!reading) readings.set(key, (reading = { device: sample.device, t: sample.t, fields: new Map() }));
    reading.fields.set(sample.point, sample.value);
  }
  const heads = new Map<string, string>();
  const out: Line[] = [];
  for (const { device, t, fields } of readings.values()) {
    let head = heads.get(device);
    if (head === undefined) heads.set(device, (head = seriesKey(tagsOf(device))));
    const body = [...fields].map(([name, value]) => `${escapeKey(name)}=${fieldValue(value)}`).join(',');
    out.push({ line: `${head} ${body} ${t}`, points: fields.size });
  }
  return out;
}

/** Measurement and tags, tags sorted by key as InfluxDB prefers. */
function seriesKey({ measurement, tags }: SeriesTags): string {
  const pairs = Object.entries(tags).filter(([, v]) => v !== '').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [escapeMeasurement(measurement), ...pairs.map(([k, v]) => `${escapeKey(k)}=${escapeKey(v)}`)].join(',');
}
