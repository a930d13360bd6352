import { readFileSync } from 'node:fs';

/** The agent's version, from its package.json (one folder above both src/ and dist/). */
export const AGENT_VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();
