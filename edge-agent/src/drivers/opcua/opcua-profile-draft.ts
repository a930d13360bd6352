import { stringify } from 'yaml';
import type { PointType } from '@afferent/device-profiles';
import type { BrowsedVariable } from './opcua-browse.js';

const TYPES: Record<string, PointType> = {
  Boolean: 'bool', SByte: 'int16', Byte: 'uint16', Int16: 'int16', UInt16: 'uint16', Int32: 'int32', UInt32: 'uint32',
  Int64: 'int64', UInt64: 'uint64', Float: 'float32', Double: 'float64', String: 'string',
};

/**
 * A profile draft from browsed variables: a start for a device developer,
 * valid as it stands. Point names come from the browse paths, made
 * identifiers and unique; types from the DataTypes; `rw` where the server
 * lets the variable be written. Variables of types no profile point has
 * (DateTime, ByteString, structures) are listed in a comment instead.
 */
export function profileDraft(variables: readonly BrowsedVariable[], options: { name: string; endpoint: string }): string {
  const used = new Set<string>();
  const common = commonSegments(variables.map((v) => v.path));
  const points = [];
  const skipped: string[] = [];
  for (const variable of variables) {
    const type = TYPES[variable.dataType];
    if (!type || (!variable.readable && !variable.writable)) {
      skipped.push(`#   ${variable.nodeId} (${variable.dataType}${variable.readable ? '' : ', not readable'})`);
      continue;
    }
    const access = variable.writable ? (variable.readable ? 'rw' : 'w') : undefined;
    points.push({ name: uniqueName(variable.path.split('/').slice(common).join('/'), used), type, ...(access && { access }), opcua: { nodeId: variable.nodeId } });
  }
  const header = [
    `# Drafted by \`edge-agent browse opcua\` from ${options.endpoint} on ${new Date().toISOString().slice(0, 10)}.`,
    '# Check names, add units, limits, deadbands and alarms before use.',
    ...(skipped.length > 0 ? ['# Variables left out (no point type for them):', ...skipped] : []),
  ];
  const body = stringify({ profile: options.name, version: 1, protocol: 'opcua', opcua: { mode: 'subscribe' }, points }, { lineWidth: 0 });
  return `${header.join('\n')}\n${body}`;
}

/** Leading path segments every variable shares (the device's own folder): not worth repeating in each name. */
function commonSegments(paths: readonly string[]): number {
  const split = paths.map((p) => p.split('/'));
  const shortest = Math.min(...split.map((s) => s.length - 1));
  let n = 0;
  while (n < shortest && split.every((s) => s[n] === split[0]![n])) n++;
  return n;
}

/** `Boiler1/Drum/Level` → `boiler1_drum_level`; a clash gets `_2`, `_3`. */
function uniqueName(path: string, used: Set<string>): string {
  let base = path.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').toLowerCase() || 'point';
  if (/^[0-9]/.test(base)) base = `p_${base}`;
  base = base.slice(0, 60);
  let name = base;
  for (let n = 2; used.has(name); n++) name = `${base}_${n}`;
  used.add(name);
  return name;
}
