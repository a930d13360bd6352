import type { TSchema, Static } from 'typebox';
import { Value } from 'typebox/value';
import type { PathSegment, Problem } from './problem.js';

/**
 * Validate a value against a TypeBox schema and explain every failure in words
 * a field engineer understands: "expected an integer 0–65535, got "0x1G"".
 *
 * Schemas may carry an `expected` option to describe themselves when the
 * generic description would be unhelpful (a name pattern, say).
 */
export function checkSchema<S extends TSchema>(schema: S, value: unknown, base: PathSegment[] = []): Problem[] {
  if (Value.Check(schema, value)) return [];
  const byPath = new Map<string, SchemaError[]>();
  for (const error of Value.Errors(schema, value) as SchemaError[]) {
    const list = byPath.get(error.instancePath) ?? [];
    list.push(error);
    byPath.set(error.instancePath, list);
  }
  const problems: Problem[] = [];
  for (const [instancePath, errors] of byPath) {
    const path = [...base, ...pointerSegments(instancePath, value)];
    for (const error of errors) {
      if (error.keyword === 'required') {
        for (const name of error.params.requiredProperties as string[]) {
          problems.push({ path: [...path, name], message: 'missing (required)' });
        }
      } else if (error.keyword === 'additionalProperties') {
        const known = Object.keys((resolvePointer(schema, error.schemaPath) as { properties?: object })?.properties ?? {});
        for (const name of error.params.additionalProperties as string[]) {
          const hint = known.length ? `; known fields: ${known.join(', ')}` : '';
          problems.push({ path: [...path, name], message: `unknown field${hint}` });
        }
      }
    }
    const valueErrors = errors.filter((e) => !['required', 'additionalProperties', 'boolean'].includes(e.keyword));
    if (valueErrors.length === 0) continue;
    // A union reports each branch and then itself: describe the union as a whole.
    const chosen = valueErrors.find((e) => e.keyword === 'anyOf') ?? valueErrors[0]!;
    const subSchema = resolvePointer(schema, chosen.schemaPath);
    const actual = valueAt(value, instancePath);
    problems.push({ path, message: `expected ${subSchema ? describeSchema(subSchema) : 'something else'}, got ${show(actual)}` });
  }
  return problems;
}

/** Type-narrowing wrapper: returns the value typed, or the problems. */
export function parseWithSchema<S extends TSchema>(
  schema: S,
  value: unknown,
): { ok: true; value: Static<S> } | { ok: false; problems: Problem[] } {
  const problems = checkSchema(schema, value);
  return problems.length === 0 ? { ok: true, value: value as Static<S> } : { ok: false, problems };
}

interface SchemaError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  params: Record<string, unknown>;
}

type SchemaNode = Record<string, unknown>;

export function describeSchema(schema: SchemaNode): string {
  if (typeof schema.expected === 'string') return schema.expected;
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map(String).join(', ')}`;
  if (Array.isArray(schema.anyOf)) {
    const branches = schema.anyOf as SchemaNode[];
    if (branches.every((b) => 'const' in b)) return `one of ${branches.map((b) => String(b.const)).join(', ')}`;
    return branches.map(describeSchema).join(' or ');
  }
  switch (schema.type) {
    case 'integer':
      return `an integer${range(schema)}`;
    case 'number':
      return `a number${range(schema)}`;
    case 'boolean':
      return 'true or false';
    case 'string':
      if (schema.pattern) return `a string matching ${String(schema.pattern)}`;
      return (schema.minLength as number) > 0 ? 'a non-empty string' : 'a string';
    case 'array':
      return (schema.minItems as number) > 0 ? 'a non-empty list' : 'a list';
    case 'object':
      return 'a mapping';
    case 'null':
      return 'nothing (null)';
    default:
      return 'a valid value';
  }
}

function range(schema: SchemaNode): string {
  const min = schema.minimum ?? schema.exclusiveMinimum;
  const max = schema.maximum ?? schema.exclusiveMaximum;
  if (min !== undefined && max !== undefined) return ` ${min}–${max}`;
  if (min !== undefined) return ` ≥ ${min}`;
  if (max !== undefined) return ` ≤ ${max}`;
  return '';
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'a list' : 'a mapping';
  return JSON.stringify(value);
}

function decodePointerSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function pointerSegments(pointer: string, root: unknown): PathSegment[] {
  if (pointer === '') return [];
  const out: PathSegment[] = [];
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = decodePointerSegment(raw);
    const asIndex = Array.isArray(node) ? Number(segment) : NaN;
    out.push(Number.isInteger(asIndex) ? asIndex : segment);
    node = node === null || typeof node !== 'object' ? undefined : (node as Record<string, unknown>)[segment];
  }
  return out;
}

function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const segment of pointerSegments(pointer, root)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function resolvePointer(schema: unknown, pointer: string): SchemaNode | undefined {
  let node = schema;
  for (const raw of pointer.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[decodePointerSegment(raw)];
  }
  return node && typeof node === 'object' ? (node as SchemaNode) : undefined;
}
