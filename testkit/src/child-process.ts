import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** A process started by a test: its output is kept for the failure message. */
export interface RunningProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the first line that matches. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM (or the given signal), then wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startProcess(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): RunningProcess {
  const child = spawn(command, args, { env: { ...process.env, ...options.env }, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    if (text.length > 2_000_000) text = text.slice(-1_000_000);
    for (const wake of waiters) wake();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  exited.then(() => {
    for (const wake of waiters) wake();
  });

  return {
    child,
    output: () => text,
    waitForLine(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (const line of text.split('\n')) {
            const match = line.match(pattern);
            if (match) return finish(() => resolve(match));
          }
          if (child.exitCode !== null || child.signalCode !== null) {
            finish(() => reject(new Error(`${command} exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${text.slice(-4000)}`)));
          }
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`${command} did not print ${pattern} within ${timeoutMs} ms:\n${text.slice(-4000)}`))), timeoutMs);
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** What a program run to its end printed, and how it exited. */
export interface ProgramRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a compiled Node program (one of the CLIs) to its end, with extra environment; never rejects, the exit code says. */
export function runNodeProgram(script: string, args: string[], env: Record<string, string | undefined> = {}): Promise<ProgramRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}
