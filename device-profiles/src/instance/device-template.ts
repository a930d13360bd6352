import type { PathSegment, Problem } from '../validation/problem.js';

/**
 * Device templates: one entry of a device list that stands for many devices
 * which differ only in a number or a name, such as 40 meters on one bus:
 *
 * ```yaml
 * - for: { n: 1-40 }                 # n takes 1, 2, … 40 (or a list: { line: [a, b, c] })
 *   id: meter-{n}
 *   profile: eastron-sdm120
 *   connection: { url: tcp://10.0.0.5:502, unitId: "{n}" }
 *   labels: { bus: hall-a, position: "{n}" }
 * ```
 *
 * `{n}` is replaced in every string value of the entry (not in keys). A string
 * that is exactly `"{n}"` takes the value itself, so a number stays a number
 * (`unitId: "{n}"` becomes `unitId: 7`). Other placeholders are left alone:
 * alarm messages use `{point}` for their own purpose. The hub and the agent
 * both expand with this function, so a template means the same on both sides.
 */
export const TEMPLATE_KEY = 'for';
/** More than this from one entry is far more likely a typo (1-40000) than a bus. */
export const MAX_TEMPLATE_DEVICES = 1000;

const VARIABLE = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;
const RANGE = /^(\d+)\s*-\s*(\d+)$/;

type TemplateValue = string | number;

/** One device of an expanded list and where it came from, for messages. */
export interface ExpandedDevice {
  /** The device entry with its placeholders replaced (not yet checked against the instance schema). */
  device: unknown;
  /** Index of the entry in the list as written. */
  index: number;
  /** `n=7` for a device made by a template. */
  binding?: string;
}

/** Expand every template of a device list; plain entries pass through. Never throws. */
export function expandDeviceEntries(entries: readonly unknown[], base: PathSegment[] = ['devices']): { devices: ExpandedDevice[]; problems: Problem[] } {
  const devices: ExpandedDevice[] = [];
  const problems: Problem[] = [];
  entries.forEach((entry, index) => {
    if (!isMapping(entry) || !(TEMPLATE_KEY in entry)) {
      devices.push({ device: entry, index });
      return;
    }
    const at = (...path: PathSegment[]) => [...base, index, ...path];
    const { [TEMPLATE_KEY]: spec, ...body } = entry;
    const parsed = parseTemplateSpec(spec);
    if ('problem' in parsed) {
      problems.push({ path: at(TEMPLATE_KEY, ...parsed.problem.path), message: parsed.problem.message });
      return;
    }
    const { variable, values } = parsed;
    const placeholder = `{${variable}}`;
    if (typeof body.id !== 'string' || !body.id.includes(placeholder)) {
      problems.push({ path: at('id'), message: `a template's id must contain ${placeholder}, or every device it makes gets the same id` });
      return;
    }
    for (const value of values) {
      devices.push({ device: substitute(body, placeholder, value), index, binding: `${variable}=${value}` });
    }
  });
  return { devices, problems };
}

/** `{n: "1-40"}` or `{line: [a, b]}` → the variable and its values, or what is wrong (path relative to `for`). */
function parseTemplateSpec(spec: unknown): { variable: string; values: TemplateValue[] } | { problem: Problem } {
  const problem = (message: string, path: PathSegment[] = []) => ({ problem: { path, message } });
  if (!isMapping(spec) || Object.keys(spec).length !== 1) {
    return problem('expected one variable and its values, such as { n: 1-40 } or { line: [a, b, c] }');
  }
  const [variable, raw] = Object.entries(spec)[0]!;
  if (!VARIABLE.test(variable)) return problem(`"${variable}" cannot be a variable: use letters, digits and "_", starting with a letter`, [variable]);
  const values = templateValues(raw);
  if (typeof values === 'string') return problem(values, [variable]);
  if (values.length > MAX_TEMPLATE_DEVICES) return problem(`${values.length} devices from one template; at most ${MAX_TEMPLATE_DEVICES}`, [variable]);
  return { variable, values };
}

/** The values a range or a list stands for, or what is wrong with it. */
function templateValues(raw: unknown): TemplateValue[] | string {
  if (Array.isArray(raw)) {
    if (raw.length === 0) return 'an empty list makes no devices';
    const bad = raw.findIndex((v) => !(typeof v === 'string' && v !== '') && !(typeof v === 'number' && Number.isInteger(v)));
    if (bad >= 0) return `item ${bad}: expected a name or an integer, got ${JSON.stringify(raw[bad])}`;
    const seen = new Set<string>();
    for (const v of raw) {
      if (seen.has(String(v))) return `${JSON.stringify(v)} is listed twice`;
      seen.add(String(v));
    }
    return raw as TemplateValue[];
  }
  const match = typeof raw === 'string' ? RANGE.exec(raw.trim()) : null;
  if (!match) return `expected a range such as 1-40 or a list such as [a, b, c], got ${JSON.stringify(raw)}`;
  const from = Number(match[1]);
  const to = Number(match[2]);
  if (from > to) return `the range ${raw} runs backwards: write ${to}-${from}`;
  if (to - from + 1 > MAX_TEMPLATE_DEVICES) return `${to - from + 1} devices from one template; at most ${MAX_TEMPLATE_DEVICES}`;
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function substitute(node: unknown, placeholder: string, value: TemplateValue): unknown {
  if (typeof node === 'string') return node === placeholder ? value : node.split(placeholder).join(String(value));
  if (Array.isArray(node)) return node.map((item) => substitute(item, placeholder, value));
  if (isMapping(node)) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, substitute(v, placeholder, value)]));
  return node;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
