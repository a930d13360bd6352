import { spawn, type ChildProcess } from 'node:child_process';

export interface ReadyChild {
  child: ChildProcess;
  /** The ready line's match. */
  ready: RegExpMatchArray;
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<void>;
}

/** Run a compiled CLI with node and wait for the line that says it is ready; its output is kept for the error if it is not. */
export async function spawnReady(script: string, args: string[], ready: RegExp, env: NodeJS.ProcessEnv = {}): Promise<ReadyChild> {
  const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    // Stays attached after the ready line: it keeps draining the pipes, so a chatty child never blocks.
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
      const found = output.match(ready);
      if (found) resolve(found);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(() => reject(new Error(`${script} exited before it was ready:\n${output}`)));
  });
  return {
    child,
    ready: match,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
