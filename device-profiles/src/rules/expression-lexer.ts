/**
 * Tokens of alarm conditions: `voltage > 253 and rate(temperature, 1m) > 5`.
 * A deliberately small language: no assignment, no user functions, nothing
 * that could run code.
 */
export type Token =
  | { kind: 'number'; value: number; at: number }
  | { kind: 'duration'; ms: number; text: string; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'name'; value: string; at: number }
  | { kind: 'op'; value: string; at: number }
  | { kind: 'end'; at: number };

export class ExpressionError extends Error {
  /** 1-based column in the expression. */
  constructor(message: string, readonly column: number) {
    super(`${message} (column ${column})`);
    this.name = 'ExpressionError';
  }
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const OPERATORS = ['>=', '<=', '==', '!=', '&&', '||', '>', '<', '+', '-', '*', '/', '(', ')', ',', '!'];

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i + 1;
    const number = /^(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(ms|s|m|h|d)?(?![A-Za-z0-9_])/.exec(text.slice(i));
    if (number) {
      const value = Number(number[1]);
      tokens.push(number[2] ? { kind: 'duration', ms: value * DURATION_UNITS[number[2]]!, text: number[0], at } : { kind: 'number', value, at });
      i += number[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (name) {
      tokens.push({ kind: 'name', value: name[0], at });
      i += name[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      const close = text.indexOf(c, i + 1);
      if (close < 0) throw new ExpressionError('unterminated string', at);
      tokens.push({ kind: 'string', value: text.slice(i + 1, close), at });
      i = close + 1;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (!op) throw new ExpressionError(`unexpected character "${c}"`, at);
    tokens.push({ kind: 'op', value: op, at });
    i += op.length;
  }
  tokens.push({ kind: 'end', at: text.length + 1 });
  return tokens;
}
