import { Decoder, Encoder } from 'cbor-x';
import type { PayloadFormat } from '../protocol/payload-format.js';
import { CodecError } from './codec-error.js';

/**
 * Payloads of CoAP resources and MQTT messages: bytes ↔ a document, and a
 * point's value selected from it. SenML follows RFC 8428 (names resolved
 * with the base name, CBOR integer labels).
 */

// Plain CBOR maps and arrays, no cbor-x extensions, so any decoder reads what we write.
const cbor = new Encoder({ useRecords: false, mapsAsObjects: true, variableMapSize: true });
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

export function decodeDocument(format: PayloadFormat, payload: Uint8Array): unknown {
  try {
    switch (format) {
      case 'json': return JSON.parse(Buffer.from(payload).toString('utf8'));
      case 'cbor': return cborDecoder.decode(payload);
      case 'senml+json': return resolveSenml(JSON.parse(Buffer.from(payload).toString('utf8')));
      case 'senml+cbor': return resolveSenml(relabel(cborDecoder.decode(payload)));
      case 'text': return parseText(Buffer.from(payload).toString('utf8'));
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

/** A payload that sets one value. */
export function encodePayload(format: PayloadFormat, select: string | undefined, value: number | boolean | string): Buffer {
  switch (format) {
    case 'json': return Buffer.from(JSON.stringify(nest(select, value)));
    case 'cbor': return Buffer.from(cbor.encode(nest(select, value)));
    case 'text': return Buffer.from(String(value));
    case 'senml+json': return Buffer.from(JSON.stringify([{ n: select ?? '', ...senmlValue(value) }]));
    case 'senml+cbor': {
      const [[key, v]] = Object.entries(senmlValue(value)) as [[string, unknown]];
      return Buffer.from(cbor.encode([{ 0: select ?? '', [key === 'v' ? 2 : key === 'vs' ? 3 : 4]: v }]));
    }
  }
}

function nest(select: string | undefined, value: unknown): unknown {
  if (select === undefined) return value;
  return select.split('.').reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
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
