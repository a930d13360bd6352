import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { formatProblem } from './problem.js';
import { checkSchema } from './schema-check.js';

const Shape = Type.Union([
  Type.Object({ kind: Type.Literal('circle'), radius: Type.Number({ minimum: 0 }) }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('square'), side: Type.Number() }, { additionalProperties: false }),
]);
const Doc = Type.Object({ shapes: Type.Array(Shape), label: Type.Union([Type.Number(), Type.String()]) }, { additionalProperties: false });

const check = (value: unknown) => checkSchema(Doc, value).map(formatProblem);

describe('checkSchema', () => {
  it('checks a tagged union against the branch its tag names', () => {
    expect(check({ shapes: [{ kind: 'circle', radius: -1 }, { kind: 'square' }], label: 'x' })).toEqual([
      'shapes[0].radius: expected a number ≥ 0, got -1',
      'shapes[1].side: missing (required)',
    ]);
  });
  it('names the tags when none matches', () => {
    expect(check({ shapes: [{ kind: 'triangle' }], label: 1 })).toEqual(['shapes[0].kind: expected one of circle, square, got "triangle"']);
  });
  it('describes a union of plain types as a whole', () => {
    expect(check({ shapes: [], label: true })).toEqual(['label: expected a number or a string, got true']);
  });
  it('reports unknown fields inside a branch', () => {
    expect(check({ shapes: [{ kind: 'square', side: 1, colour: 'red' }], label: 1 })).toEqual([
      'shapes[0].colour: unknown field; known fields: kind, side',
    ]);
  });
  it('reports every problem, not the first eight', () => {
    const many = { shapes: Array.from({ length: 20 }, () => ({ kind: 'square', side: 'x' })), label: 1 };
    expect(check(many)).toHaveLength(20);
  });
});
