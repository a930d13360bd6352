import { Decoder, Encoder, type Options } from 'cbor-x';
import type { PayloadFormat } from '../protocol/payload-format.js';
import { CodecError } from './codec-error.js';

/**
 * Payloads of CoAP resources and MQTT messages: bytes ↔ a document, and a
 * point's value selected from it. SenML follows RFC 8428 (names resolved
 * with the base name, CBOR integer labels).
 */

// Plain CBOR maps and arrays, no cbor-x extensions, so any decoder reads what we write. cbor-x
// tags a Map (needed for SenML's integer labels) with 259 unless told not to; its typings miss the option.
const cborOptions: Options & { useTag259ForMaps: boolean } = { useRecords: false, mapsAsObjects: true, variableMapSize: true, useTag259ForMaps: false };
const cbor = new Encoder(cborOptions);
const cborDecoder = new Decoder({ useRecords: false, mapsAsObjects: true });

export interface SenmlRecord {
  /** Resolved name: base name + own name. */
  name: string;
  /** The record's own name, without the base name. */
  localName: string;
  value: number | boolean | string | Uint8Array | undefined;
  /** Seconds since the epoch, when the record says. */
  time?: number;
  unit?: string;
}

const SENML_CBOR_LABELS: Record<string, string> = {
  '-1': 'bver', '-2': 'bn', '-3': 'bt', '-4': 'bu', '-5': 'bv', '-6': 'bs',
  '0': 'n', '1': 'u', '2': 'v', '3': 'vs', '4': 'vb', '5': 's', '6': 't', '7': 'ut', '8': 'vd',
};
const SENML_CBOR_KEYS: Record<string, number> = Object.fromEntries(Object.entries(SENML_CBOR_LABELS).map(([key, label]) => [label, Number(key)]));

/** Text payloads are UTF-8 (RFC 7252 §12.3): bytes that are not are garbage, not a string of replacement characters. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeDocument(format: PayloadFormat, payload: Uint8Array): unknown {
  try {
    switch (format) {
      case 'json': return JSON.parse(Buffer.from(payload).toString('utf8'));
      case 'cbor': return cborDecoder.decode(payload);
      case 'senml+json': return resolveSenml(JSON.parse(Buffer.from(payload).toString('utf8')));
      case 'senml+cbor': return resolveSenml(relabel(cborDecoder.decode(payload)));
      case 'text': return parseText(utf8.decode(payload));
    }
  } catch (error) {
    if (error instanceof CodecError) throw error;
    throw new CodecError(`not valid ${format}: ${(error as Error).message}`);
  }
}

/** The value at `select` in a decoded document. */
export function selectValue(format: PayloadFormat, document: unknown, select: string | undefined): unknown {
  if (format === 'senml+json' || format === 'senml+cbor') {
    const records = document as SenmlRecord[];
    // The last record wins: a pack may carry several samples of one name, oldest first.
    const record = [...records].reverse().find((r) => (select === undefined ? records.length === 1 : r.name === select || r.localName === select));
    if (!record) throw new CodecError(`no SenML record named "${select ?? ''}" (have ${records.map((r) => r.name).join(', ') || 'none'})`);
    return record.value;
  }
  if (select === undefined) return document;
  let node: unknown = document;
  for (const key of select.split('.')) {
    if (node === null || typeof node !== 'object' || !(key in (node as object))) throw new CodecError(`no "${select}" in the payload`);
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** One value of a payload: where it goes (`select`, as in the profile) and its raw value. */
export interface PayloadEntry {
  select: string | undefined;
  value: number | boolean | string;
}

export interface DocumentOptions {
  /** SenML only: the pack's base name (RFC 8428 §4.5.1), e.g. `urn:dev:ow:10e2073a:`. */
  baseName?: string;
}

/** A payload that sets one value. */
export function encodePayload(format: PayloadFormat, select: string | undefined, value: number | boolean | string): Buffer {
  return encodeDocument(format, [{ select, value }]);
}

/**
 * A payload that carries several values, as a device's resource or message
 * does: one JSON or CBOR object with every `select` path, one SenML pack with
 * a record per name, or (text) exactly one value.
 */
export function encodeDocument(format: PayloadFormat, entries: readonly PayloadEntry[], { baseName }: DocumentOptions = {}): Buffer {
  if (entries.length === 0) throw new CodecError('a payload needs at least one value');
  switch (format) {
    case 'json': return Buffer.from(JSON.stringify(nestAll(entries)));
    case 'cbor': return Buffer.from(cbor.encode(nestAll(entries)));
    case 'text':
      if (entries.length > 1) throw new CodecError(`a text payload carries one value, not ${entries.length}`);
      return Buffer.from(String(entries[0]!.value));
    case 'senml+json': return Buffer.from(JSON.stringify(senmlRecords(entries, baseName)));
    // RFC 8428 §6: integer labels, as Maps so that cbor-x writes them as integers.
    case 'senml+cbor': return Buffer.from(cbor.encode(senmlRecords(entries, baseName).map((record) =>
      new Map(Object.entries(record).map(([label, v]) => [SENML_CBOR_KEYS[label]!, v])))));
  }
}

function nestAll(entries: readonly PayloadEntry[]): unknown {
  if (entries.length === 1 && entries[0]!.select === undefined) return entries[0]!.value;
  const root: Record<string, unknown> = {};
  for (const { select, value } of entries) {
    if (select === undefined) throw new CodecError('a value without select is the whole payload: it cannot share one');
    const keys = select.split('.');
    let node = root;
    for (const key of keys.slice(0, -1)) {
      const next = node[key];
      if (next !== undefined && (next === null || typeof next !== 'object')) throw new CodecError(`"${select}" runs through a value`);
      node = (next ?? (node[key] = {})) as Record<string, unknown>;
    }
    const last = keys[keys.length - 1]!;
    if (last in node) throw new CodecError(`"${select}" is set twice`);
    node[last] = value;
  }
  return root;
}

function senmlRecords(entries: readonly PayloadEntry[], baseName: string | undefined): Record<string, unknown>[] {
  return entries.map(({ select, value }, i) => ({
    ...(i === 0 && baseName !== undefined && { bn: baseName }),
    n: select ?? '',
    ...senmlValue(value),
  }));
}

function senmlValue(value: number | boolean | string): Record<string, unknown> {
  if (typeof value === 'number') return { v: value };
  if (typeof value === 'boolean') return { vb: value };
  return { vs: value };
}

function parseText(text: string): number | boolean | string {
  const trimmed = text.trim();
  if (trimmed === 'true' || trimmed === 'false') return trimmed === 'true';
  if (trimmed !== '' && Number.isFinite(Number(trimmed))) return Number(trimmed);
  return trimmed;
}

function relabel(records: unknown): unknown {
  if (!Array.isArray(records)) return records;
  return records.map((record: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(record).map(([k, v]) => [SENML_CBOR_LABELS[k] ?? k, v])),
  );
}

/** RFC 8428 §4.6: apply base name, time and value to each record. */
function resolveSenml(pack: unknown): SenmlRecord[] {
  if (!Array.isArray(pack)) throw new CodecError('a SenML pack is a list of records');
  let bn = '';
  let bt = 0;
  let bv = 0;
  let bu: string | undefined;
  const now = Date.now() / 1000;
  return pack.map((raw: Record<string, unknown>, i) => {
    if (raw === null || typeof raw !== 'object') throw new CodecError(`SenML record ${i} is not a mapping`);
    if (typeof raw.bn === 'string') bn = raw.bn;
    if (typeof raw.bt === 'number') bt = raw.bt;
    if (typeof raw.bv === 'number') bv = raw.bv;
    if (typeof raw.bu === 'string') bu = raw.bu;
    const localName = typeof raw.n === 'string' ? raw.n : '';
    const name = bn + localName;
    const value = typeof raw.v === 'number' ? bv + raw.v : (raw.vb ?? raw.vs ?? raw.vd ?? (typeof raw.s === 'number' ? raw.s : undefined)) as SenmlRecord['value'];
    const t = bt + (typeof raw.t === 'number' ? raw.t : 0);
    // Times below 2^28 are relative to now (RFC 8428 §4.5.3).
    const time = t === 0 ? undefined : t < 2 ** 28 ? now + t : t;
    const unit = typeof raw.u === 'string' ? raw.u : bu;
    return { name, localName, value, ...(time !== undefined && { time }), ...(unit !== undefined && { unit }) };
  });
}
