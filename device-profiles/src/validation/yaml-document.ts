import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { PathSegment, Problem } from './problem.js';

/**
 * A parsed YAML (or JSON, which is YAML) document that remembers where each
 * value came from, so validation problems can name the line.
 */
export interface SourceDocument {
  source: string;
  value: unknown;
  /** 1-based line of the deepest node the path reaches, if known. */
  lineOf(path: readonly PathSegment[]): number | undefined;
}

export function parseYamlSource(text: string, source: string): { doc?: SourceDocument; problems: Problem[] } {
  const lineCounter = new LineCounter();
  const document: Document.Parsed = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      problems: document.errors.map((error) => ({
        source,
        line: error.linePos?.[0]?.line ?? lineCounter.linePos(error.pos[0]).line,
        path: [],
        message: `not valid YAML: ${error.message.split('\n')[0]}`,
      })),
    };
  }
  const value: unknown = document.toJS({ maxAliasCount: 100 });
  const lineOf = (path: readonly PathSegment[]): number | undefined => {
    // Walk back up the path until a node exists (a missing field has no line of its own).
    for (let depth = path.length; depth >= 0; depth--) {
      const node = document.getIn(path.slice(0, depth), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  return { doc: { source, value, lineOf }, problems: [] };
}

/** Give each problem the source and line of the document it was found in, in document order. */
export function locateProblems(doc: SourceDocument, problems: Problem[]): Problem[] {
  return problems
    .map((problem) => ({
      ...problem,
      source: problem.source ?? doc.source,
      line: problem.line ?? doc.lineOf(problem.path),
    }))
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}
