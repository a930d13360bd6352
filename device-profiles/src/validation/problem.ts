/**
 * A Problem is one thing wrong with a document, located precisely enough that
 * a field engineer can fix it without guessing: `file:line path: message`.
 */
export type PathSegment = string | number;

export interface Problem {
  /** Where the document came from: a file path, or a label like "api upload". */
  source?: string;
  /** 1-based line, when the document was parsed from text that still maps to it. */
  line?: number;
  /** Field path inside the document, e.g. ['points', 3, 'modbus', 'address']. */
  path: PathSegment[];
  message: string;
}

/** `points[3].modbus.address` */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** `meters/sdm120.yaml:14 points[3].modbus.address: expected …` */
export function formatProblem(problem: Problem): string {
  const where = problem.source ? `${problem.source}${problem.line ? `:${problem.line}` : ''}` : '';
  const path = formatPath(problem.path);
  const location = [where, path].filter(Boolean).join(' ');
  return location ? `${location}: ${problem.message}` : problem.message;
}

/** Thrown when a document is invalid; carries every problem found, not just the first. */
export class ValidationError extends Error {
  readonly problems: Problem[];

  constructor(what: string, problems: Problem[]) {
    const lines = problems.map(formatProblem);
    super(problems.length === 1 ? lines[0] : `${what}: ${problems.length} problems\n  ${lines.join('\n  ')}`);
    this.name = 'ValidationError';
    this.problems = problems;
  }
}
