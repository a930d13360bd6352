// The agent as it is deployed: one ESM bundle (plus a chunk per lazily loaded
// driver) instead of some 1,500 module files. Node keeps a record, source and
// loader state per module; TypeBox alone is 700 files and ~18 MB resident
// when loaded file by file, ~5 MB bundled. On a gateway that is the
// difference between meeting the agent's memory target and not.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('..', import.meta.url));

// Chunk names carry content hashes: clear out the previous build's.
rmSync(join(here, 'bundle'), { recursive: true, force: true });

await build({
  absWorkingDir: here,
  entryPoints: ['dist/cli.js'],
  outdir: 'bundle',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Native addons find their binary relative to their own files, and
  // node-opcua reads data files the same way: they stay in node_modules.
  external: ['better-sqlite3', '@serialport/bindings-cpp', 'cbor-extract', 'node-opcua', 'node-opcua-*'],
  // CommonJS dependencies call require(); an ESM bundle has none of its own.
  banner: { js: "import { createRequire as __afferentRequire } from 'node:module'; const require = __afferentRequire(import.meta.url);" },
  // Whitespace and syntax only: function and class names stay in stack traces,
  // and the source map beside each file gives the lines (node --enable-source-maps).
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: true,
  logLevel: 'warning',
});
