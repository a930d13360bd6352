import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@afferent/testkit';

/** Processes spawned by tests run the compiled CLI, as production does (`npm test` builds first). */
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface CliProcess {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exit: Promise<number | null>;
  line(pattern: RegExp, what: string): Promise<RegExpMatchArray>;
}

export function spawnCli(args: string[], env: Record<string, string | undefined> = {}): CliProcess {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -b)`);
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, AFFERENT_ADMIN_TOKEN: undefined, ...env }, stdio: 'pipe' });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const collect = (into: string[]) => {
    let rest = '';
    return (chunk: Buffer) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      into.push(...lines);
    };
  };
  child.stdout!.on('data', collect(stdout));
  child.stderr!.on('data', collect(stderr));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child, stdout, stderr, exit,
    line: (pattern, what) => waitFor(what, () => {
      for (const l of stdout) {
        const match = pattern.exec(l);
        if (match) return match;
      }
      if (child.exitCode !== null) throw new Error(`the hub exited (${child.exitCode}) before ${what}: ${stderr.join('\n')}`);
      return undefined;
    }, 20_000),
  };
}
