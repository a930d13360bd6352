import type { PointValue } from '../profile/point-types.js';
import type { Expr } from './expression-parser.js';

/** What a condition can ask about the device it watches. */
export interface EvalContext {
  value(point: string): PointValue | undefined;
  rate(point: string, windowMs: number): number | undefined;
  stale(point: string, afterMs: number): boolean;
  offline(polls: number): boolean;
}

/**
 * Evaluate with three-valued logic: a point never read is unknown
 * (undefined), and unknown neither raises nor clears an alarm. `and` is false
 * as soon as one side is false, `or` true as soon as one side is true.
 */
export function evaluate(expr: Expr, ctx: EvalContext): PointValue | undefined {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'point':
      return ctx.value(expr.name);
    case 'rate':
      return ctx.rate(expr.point, expr.windowMs);
    case 'stale':
      return ctx.stale(expr.point, expr.afterMs);
    case 'offline':
      return ctx.offline(expr.polls);
    case 'unary': {
      const v = evaluate(expr.arg, ctx);
      if (v === undefined) return undefined;
      return expr.op === '-' ? -(v as number) : !v;
    }
    case 'call': {
      const args = expr.args.map((a) => evaluate(a, ctx) as number | undefined);
      if (args.some((a) => a === undefined)) return undefined;
      const [a, b] = args as [number, number];
      return expr.fn === 'abs' ? Math.abs(a) : expr.fn === 'min' ? Math.min(a, b) : Math.max(a, b);
    }
    case 'binary': {
      if (expr.op === 'and' || expr.op === 'or') {
        const l = evaluate(expr.left, ctx);
        const r = evaluate(expr.right, ctx);
        const decisive = expr.op === 'or';
        if (l === decisive || r === decisive) return decisive;
        return l === undefined || r === undefined ? undefined : !decisive;
      }
      const l = evaluate(expr.left, ctx);
      const r = evaluate(expr.right, ctx);
      if (l === undefined || r === undefined) return undefined;
      switch (expr.op) {
        case '==': return l === r;
        case '!=': return l !== r;
        case '>': return (l as number) > (r as number);
        case '>=': return (l as number) >= (r as number);
        case '<': return (l as number) < (r as number);
        case '<=': return (l as number) <= (r as number);
        case '+': return (l as number) + (r as number);
        case '-': return (l as number) - (r as number);
        case '*': return (l as number) * (r as number);
        case '/': return (r as number) === 0 ? undefined : (l as number) / (r as number);
      }
    }
  }
}
