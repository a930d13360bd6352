import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runNodeProgram } from '@afferent/testkit';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('WalCheckpointer', () => {
  // In a process of its own (the compiled hub, as the CLI and the benchmarks run it): under vitest something else always keeps the event loop alive.
  it('keeps the process alive while the store closes, when closing is the only thing left to wait for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'afferent-checkpointer-'));
    dirs.push(dir);
    const hub = pathToFileURL(join(import.meta.dirname, '../../dist/index.js')).href;
    const script = join(dir, 'close.mjs');
    writeFileSync(script, `import { SqliteTimeseriesStore } from ${JSON.stringify(hub)};
const store = new SqliteTimeseriesStore(${JSON.stringify(join(dir, 'ts.db'))});
store.write([{ device: 'd', point: 'p', t: 1, value: 1 }]);
await store.close();
console.log('closed');
`);
    expect(await runNodeProgram(script, [])).toMatchObject({ code: 0, stdout: 'closed\n' });
  });
});
