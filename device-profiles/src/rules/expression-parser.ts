import type { ProfilePoint } from '../profile/profile-schema.js';
import { isNumericType } from '../profile/point-types.js';
import { ExpressionError, tokenize, type Token } from './expression-lexer.js';

/** The value types conditions compute with. */
export type ValueType = 'number' | 'bool' | 'string';

export type Expr =
  | { kind: 'literal'; value: number | boolean | string }
  | { kind: 'point'; name: string }
  | { kind: 'unary'; op: '-' | 'not'; arg: Expr }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr }
  | { kind: 'call'; fn: 'abs' | 'min' | 'max'; args: Expr[] }
  /** Change of a point over the last `windowMs`: `rate(temperature, 1m) > 5` = more than 5 per minute. */
  | { kind: 'rate'; point: string; windowMs: number }
  /** True when the point has not been read successfully for `afterMs`. */
  | { kind: 'stale'; point: string; afterMs: number }
  /** True when the device's last `polls` polls all failed. */
  | { kind: 'offline'; polls: number };

export type BinaryOp = '+' | '-' | '*' | '/' | '>' | '>=' | '<' | '<=' | '==' | '!=' | 'and' | 'or';

/** A condition parsed and type-checked against a profile's points. */
export interface Condition {
  text: string;
  expr: Expr;
  /** Points the condition reads. */
  points: Set<string>;
  /** Longest rate window per point, so evaluators keep just enough history. */
  rateWindows: Map<string, number>;
}

const COMPARISONS = new Set(['>', '>=', '<', '<=']);

/** Parse `text` against the profile's points; throws ExpressionError naming the token and column. */
export function parseCondition(text: string, points: ReadonlyMap<string, ProfilePoint>): Condition {
  const parser = new Parser(tokenize(text), points);
  const expr = parser.expression();
  parser.expectEnd();
  const type = parser.typeOf(expr, 1);
  if (type !== 'bool') throw new ExpressionError(`a condition must be true or false, but this is a ${type}`, 1);
  return { text, expr, points: parser.used, rateWindows: parser.rateWindows };
}

export function pointValueType(point: ProfilePoint): ValueType {
  if (point.enum || point.type === 'string') return 'string';
  return point.type === 'bool' ? 'bool' : 'number';
}

class Parser {
  private i = 0;
  readonly used = new Set<string>();
  readonly rateWindows = new Map<string, number>();
  private readonly positions = new Map<Expr, number>();

  constructor(private readonly tokens: Token[], private readonly points: ReadonlyMap<string, ProfilePoint>) {}

  expression(): Expr {
    return this.binary(['or', '||'], () => this.binary(['and', '&&'], () => this.not()));
  }

  expectEnd(): void {
    const token = this.peek();
    if (token.kind !== 'end') throw new ExpressionError(`unexpected ${describe(token)}`, token.at);
  }

  private binary(ops: string[], next: () => Expr): Expr {
    let left = next();
    for (let token = this.peek(); ops.includes(tokenText(token)); token = this.peek()) {
      this.i++;
      const op = (ops[0] as BinaryOp);
      left = this.at({ kind: 'binary', op, left, right: next() }, token.at);
    }
    return left;
  }

  private not(): Expr {
    const token = this.peek();
    if (tokenText(token) === 'not' || tokenText(token) === '!') {
      this.i++;
      return this.at({ kind: 'unary', op: 'not', arg: this.not() }, token.at);
    }
    return this.comparison();
  }

  private comparison(): Expr {
    const left = this.sum();
    const token = this.peek();
    if (token.kind === 'op' && (COMPARISONS.has(token.value) || token.value === '==' || token.value === '!=')) {
      this.i++;
      return this.at({ kind: 'binary', op: token.value as BinaryOp, left, right: this.sum() }, token.at);
    }
    return left;
  }

  private sum(): Expr {
    return this.leftAssoc(['+', '-'], () => this.product());
  }

  private product(): Expr {
    return this.leftAssoc(['*', '/'], () => this.unary());
  }

  private leftAssoc(ops: string[], next: () => Expr): Expr {
    let left = next();
    for (let token = this.peek(); token.kind === 'op' && ops.includes(token.value); token = this.peek()) {
      this.i++;
      left = this.at({ kind: 'binary', op: token.value as BinaryOp, left, right: next() }, token.at);
    }
    return left;
  }

  private unary(): Expr {
    const token = this.peek();
    if (token.kind === 'op' && token.value === '-') {
      this.i++;
      return this.at({ kind: 'unary', op: '-', arg: this.unary() }, token.at);
    }
    return this.primary();
  }

  private primary(): Expr {
    const token = this.next();
    switch (token.kind) {
      case 'number':
      case 'string':
        return this.at({ kind: 'literal', value: token.value }, token.at);
      case 'duration':
        throw new ExpressionError(`a duration (${token.text}) is only allowed as the window of rate() or stale()`, token.at);
      case 'op':
        if (token.value === '(') {
          const inner = this.expression();
          this.expectOp(')');
          return inner;
        }
        throw new ExpressionError(`unexpected ${describe(token)}`, token.at);
      case 'end':
        throw new ExpressionError('the condition ends too early', token.at);
      case 'name':
        if (token.value === 'true' || token.value === 'false') return this.at({ kind: 'literal', value: token.value === 'true' }, token.at);
        if (tokenText(this.peek()) === '(') return this.call(token.value, token.at);
        return this.point(token.value, token.at);
    }
  }

  private call(name: string, at: number): Expr {
    this.expectOp('(');
    switch (name) {
      case 'abs':
      case 'min':
      case 'max': {
        const args = [this.expression()];
        while (tokenText(this.peek()) === ',') {
          this.i++;
          args.push(this.expression());
        }
        this.expectOp(')');
        const arity = name === 'abs' ? 1 : 2;
        if (args.length !== arity) throw new ExpressionError(`${name}() takes ${arity} argument${arity > 1 ? 's' : ''}, got ${args.length}`, at);
        return this.at({ kind: 'call', fn: name, args }, at);
      }
      case 'rate':
      case 'stale': {
        const nameToken = this.next();
        if (nameToken.kind !== 'name') throw new ExpressionError(`${name}() takes a point name first`, nameToken.at);
        this.point(nameToken.value, nameToken.at);
        this.expectOp(',');
        const window = this.next();
        if (window.kind !== 'duration') throw new ExpressionError(`${name}() takes a duration second, such as 30s or 1m`, window.at);
        this.expectOp(')');
        if (name === 'rate') {
          this.rateWindows.set(nameToken.value, Math.max(this.rateWindows.get(nameToken.value) ?? 0, window.ms));
          return this.at({ kind: 'rate', point: nameToken.value, windowMs: window.ms }, at);
        }
        return this.at({ kind: 'stale', point: nameToken.value, afterMs: window.ms }, at);
      }
      case 'offline': {
        const polls = this.next();
        if (polls.kind !== 'number' || !Number.isInteger(polls.value) || polls.value < 1) {
          throw new ExpressionError('offline() takes the number of failed polls, such as offline(3)', polls.at);
        }
        this.expectOp(')');
        return this.at({ kind: 'offline', polls: polls.value }, at);
      }
      default:
        throw new ExpressionError(`unknown function "${name}"; known: abs, min, max, rate, stale, offline`, at);
    }
  }

  private point(name: string, at: number): Expr {
    if (!this.points.has(name)) {
      throw new ExpressionError(`unknown point "${name}"; known: ${[...this.points.keys()].join(', ')}`, at);
    }
    this.used.add(name);
    return this.at({ kind: 'point', name }, at);
  }

  /** Static types, so `voltage > "high"` or `mode == "eco"` fail at load, not at 3 am. */
  typeOf(expr: Expr, fallbackAt: number): ValueType {
    const at = this.positions.get(expr) ?? fallbackAt;
    const need = (e: Expr, type: ValueType, what: string) => {
      const actual = this.typeOf(e, at);
      if (actual !== type) throw new ExpressionError(`${what} needs a ${type}, got a ${actual}`, this.positions.get(e) ?? at);
    };
    switch (expr.kind) {
      case 'literal':
        return typeof expr.value === 'boolean' ? 'bool' : typeof expr.value === 'number' ? 'number' : 'string';
      case 'point':
        return pointValueType(this.points.get(expr.name)!);
      case 'rate': {
        const point = this.points.get(expr.point)!;
        if (!isNumericType(point.type) || point.enum) throw new ExpressionError(`rate() needs a numeric point, ${expr.point} is ${point.type}`, at);
        return 'number';
      }
      case 'stale':
      case 'offline':
        return 'bool';
      case 'call':
        for (const arg of expr.args) need(arg, 'number', `${expr.fn}()`);
        return 'number';
      case 'unary':
        need(expr.arg, expr.op === '-' ? 'number' : 'bool', expr.op === '-' ? 'minus' : 'not');
        return expr.op === '-' ? 'number' : 'bool';
      case 'binary':
        return this.binaryType(expr, at, need);
    }
  }

  private binaryType(expr: Extract<Expr, { kind: 'binary' }>, at: number, need: (e: Expr, t: ValueType, what: string) => void): ValueType {
    const { op, left, right } = expr;
    if (op === 'and' || op === 'or') {
      need(left, 'bool', op);
      need(right, 'bool', op);
      return 'bool';
    }
    if (op === '==' || op === '!=') {
      const l = this.typeOf(left, at);
      const r = this.typeOf(right, at);
      if (l !== r) throw new ExpressionError(`${op} compares a ${l} with a ${r}`, at);
      this.checkEnumLabel(left, right, at);
      this.checkEnumLabel(right, left, at);
      return 'bool';
    }
    need(left, 'number', op);
    need(right, 'number', op);
    return COMPARISONS.has(op) ? 'bool' : 'number';
  }

  /** `mode == "eco"` when mode's labels are off/auto/manual is a typo worth catching. */
  private checkEnumLabel(pointSide: Expr, literalSide: Expr, at: number): void {
    if (pointSide.kind !== 'point' || literalSide.kind !== 'literal' || typeof literalSide.value !== 'string') return;
    const labels = this.points.get(pointSide.name)!.enum;
    if (labels && !Object.values(labels).includes(literalSide.value)) {
      throw new ExpressionError(`"${literalSide.value}" is not a value of ${pointSide.name} (${Object.values(labels).join(', ')})`, this.positions.get(literalSide) ?? at);
    }
  }

  private at<E extends Expr>(expr: E, position: number): E {
    this.positions.set(expr, position);
    return expr;
  }

  private peek(): Token {
    return this.tokens[this.i]!;
  }

  private next(): Token {
    return this.tokens[this.i++] ?? this.tokens[this.tokens.length - 1]!;
  }

  private expectOp(op: string): void {
    const token = this.next();
    if (tokenText(token) !== op) throw new ExpressionError(`expected "${op}", got ${describe(token)}`, token.at);
  }
}

function tokenText(token: Token): string {
  return token.kind === 'op' || token.kind === 'name' ? token.value : '';
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end': return 'the end';
    case 'number': return `number ${token.value}`;
    case 'duration': return `duration ${token.text}`;
    case 'string': return `"${token.value}"`;
    default: return `"${token.value}"`;
  }
}
