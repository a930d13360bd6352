import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The agent's version, from its package.json, found through the package (from src/, dist/ and the bundle alike). */
export const AGENT_VERSION: string = (() => {
  try {
    const file = createRequire(import.meta.url).resolve('@afferent/edge-agent/package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();
