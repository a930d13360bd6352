import type { TSchema, Static } from 'typebox';
import { Settings } from 'typebox/system';
import { Value } from 'typebox/value';
import type { PathSegment, Problem } from './problem.js';

// TypeBox stops after 8 errors by default; a file with a dozen mistakes deserves to hear of all of them.
Settings.Set({ maxErrors: 500 });

/**
 * Validate a value against a TypeBox schema and explain every failure in words
 * a field engineer understands: "expected an integer 0–65535, got "0x1G"".
 *
 * Schemas may carry an `expected` option to describe themselves when the
 * generic description would be unhelpful (a name pattern, say).
 */
export function checkSchema<S extends TSchema>(schema: S, value: unknown, base: PathSegment[] = []): Problem[] {
  if (Value.Check(schema, value)) return [];
  const { errors, problems } = splitDiscriminatedUnions(schema, value, Value.Errors(schema, value) as SchemaError[], base);
  const byPath = new Map<string, SchemaError[]>();
  for (const error of errors) {
    const list = byPath.get(error.instancePath) ?? [];
    list.push(error);
    byPath.set(error.instancePath, list);
  }
  for (const [instancePath, group] of byPath) {
    const path = [...base, ...pointerSegments(instancePath, value)];
    for (const error of group) {
      if (error.keyword === 'required') {
        for (const name of error.params.requiredProperties as string[]) {
          problems.push({ path: [...path, name], message: 'missing (required)' });
        }
      } else if (error.keyword === 'additionalProperties') {
        const parent = resolvePointer(schema, error.schemaPath) as { properties?: object; patternProperties?: object } | undefined;
        const known = Object.keys(parent?.properties ?? {});
        const keyPatterns = Object.keys(parent?.patternProperties ?? {});
        for (const name of error.params.additionalProperties as string[]) {
          const message = keyPatterns.length > 0 && known.length === 0
            ? `not a valid key: keys must match ${keyPatterns.join(' or ')}`
            : `unknown field${known.length ? `; known fields: ${known.join(', ')}` : ''}`;
          problems.push({ path: [...path, name], message });
        }
      }
    }
    const valueErrors = group.filter((e) => !['required', 'additionalProperties', 'boolean'].includes(e.keyword));
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

/**
 * A union of objects told apart by a literal field (`kind: sine`) fails with
 * every branch's errors, which helps nobody. Check such a value against the
 * branch its literal names instead, or say which literals exist.
 */
function splitDiscriminatedUnions(schema: TSchema, value: unknown, all: SchemaError[], base: PathSegment[]): { errors: SchemaError[]; problems: Problem[] } {
  const unions = new Map<string, { union: SchemaNode; instancePath: string; field: string }>();
  for (const error of all) {
    for (const match of error.schemaPath.matchAll(/\/anyOf\/\d+/g)) {
      const unionPath = error.schemaPath.slice(0, match.index);
      const union = resolvePointer(schema, unionPath);
      const field = union && discriminatorOf(union);
      if (!union || !field) continue;
      const instancePath = unionInstancePath(error, match.index + match[0].length);
      unions.set(`${unionPath}@${instancePath}`, { union, instancePath, field });
      break;
    }
  }
  if (unions.size === 0) return { errors: all, problems: [] };
  const inUnion = (e: SchemaError) => [...unions.keys()].some((key) => e.schemaPath.startsWith(key.slice(0, key.lastIndexOf('@'))));
  const problems: Problem[] = [];
  for (const { union, instancePath, field } of unions.values()) {
    const sub = valueAt(value, instancePath) as Record<string, unknown> | undefined;
    const path = [...base, ...pointerSegments(instancePath, value)];
    const tag = sub?.[field];
    const branches = union.anyOf as SchemaNode[];
    const branch = branches.find((b) => (b.properties as Record<string, SchemaNode>)[field]!.const === tag);
    if (branch) problems.push(...checkSchema(branch as TSchema, sub, path));
    else {
      const tags = branches.map((b) => String((b.properties as Record<string, SchemaNode>)[field]!.const));
      problems.push({ path: [...path, field], message: `expected one of ${tags.join(', ')}, got ${show(tag)}` });
    }
  }
  return { errors: all.filter((e) => !inUnion(e)), problems };
}

/** The field whose literal differs in every branch of a union of objects, if there is one. */
function discriminatorOf(union: SchemaNode): string | undefined {
  const branches = union.anyOf as SchemaNode[] | undefined;
  if (!branches?.length || !branches.every((b) => b.type === 'object' && b.properties)) return undefined;
  const first = branches[0]!.properties as Record<string, SchemaNode>;
  return Object.keys(first).find((key) =>
    branches.every((b) => (b.properties as Record<string, SchemaNode>)[key]?.const !== undefined && ((b.required as string[]) ?? []).includes(key)),
  );
}

/** Where in the value a union sits, from an error inside one of its branches. */
function unionInstancePath(error: SchemaError, branchEnd: number): string {
  const rest = error.schemaPath.slice(branchEnd).split('/').filter(Boolean);
  let steps = 0;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === 'properties' || rest[i] === 'patternProperties') { steps++; i++; }
    else if (rest[i] === 'items' || rest[i] === 'additionalProperties') steps++;
    else if (rest[i] === 'anyOf') i++;
  }
  const segments = error.instancePath.split('/');
  return segments.slice(0, segments.length - steps).join('/');
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
