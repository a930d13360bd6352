import { Type, type Static } from 'typebox';
import { DurationSchema, PointValueSchema } from '@afferent/device-profiles';

/**
 * How a simulated point's value moves over time. Written in scenario files:
 *   voltage: { kind: sine, min: 225, max: 258, period: 60s }
 */
export const SignalSpecSchema = Type.Union([
  Type.Object({ kind: Type.Literal('constant'), value: PointValueSchema }, { additionalProperties: false }),
  Type.Object(
    { kind: Type.Literal('sine'), min: Type.Number(), max: Type.Number(), period: DurationSchema, phase: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('random-walk'),
      start: Type.Number(),
      step: Type.Number({ exclusiveMinimum: 0 }),
      min: Type.Optional(Type.Number()),
      max: Type.Optional(Type.Number()),
      every: Type.Optional(DurationSchema),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('step'), values: Type.Array(PointValueSchema, { minItems: 1 }), every: DurationSchema },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('counter'), start: Type.Optional(Type.Number()), rate: Type.Number({ expected: 'a rate per second' }) },
    { additionalProperties: false },
  ),
  Type.Object({ kind: Type.Literal('reads'), start: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false }),
], { expected: 'a signal: {kind: constant|sine|random-walk|step|counter|reads, …}' });

export type SignalSpec = Static<typeof SignalSpecSchema>;
