import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A serial cable in software: two pseudo-terminals joined by socat, so a
 * Modbus RTU simulator on one end and a client on the other talk as over a
 * null-modem cable. The ends are symlinks at fixed paths (`device`, `client`)
 * that survive `unplug()` / `plug()`, as /dev/serial/by-id links survive
 * re-plugging a USB adapter. Needs socat (Debian: `apt-get install socat`).
 */
export interface PtyPair {
  /** The end for the device (the simulator). */
  readonly device: string;
  /** The end for the client (the agent). */
  readonly client: string;
  /** The two /dev/pts/N behind the links, as socat reported them. */
  readonly ptys: readonly [string, string];
  /** Kill socat: both ends vanish, as when the adapter is pulled out. */
  unplug(): Promise<void>;
  /** A new pair at the same paths (new /dev/pts numbers behind them). */
  plug(): Promise<void>;
  /** Unplug and remove the folder of the links. */
  close(): Promise<void>;
}

export const SOCAT = '/usr/bin/socat';

export async function startPtyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'afferent-pty-'));
  const device = join(dir, 'device');
  const client = join(dir, 'client');
  let current: { process: ChildProcess; ptys: [string, string] } | undefined;
  const unplug = async () => {
    const running = current;
    current = undefined;
    if (!running || running.process.exitCode !== null || running.process.signalCode !== null) return;
    const exited = new Promise((resolve) => running.process.once('exit', resolve));
    running.process.kill('SIGTERM');
    await exited;
  };
  const plug = async () => {
    if (current) throw new Error('the pty pair is already plugged in');
    current = await startSocat(device, client);
  };
  await plug();
  return {
    device,
    client,
    get ptys() {
      if (!current) throw new Error('the pty pair is unplugged');
      return current.ptys;
    },
    unplug,
    plug,
    async close() {
      await unplug();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** socat says "PTY is /dev/pts/N" for each end, then "starting data transfer loop" once both links exist. */
function startSocat(device: string, client: string): Promise<{ process: ChildProcess; ptys: [string, string] }> {
  const child = spawn(SOCAT, ['-d', '-d', `pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${client}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let log = '';
    const fail = (why: string) => {
      child.kill('SIGKILL');
      reject(new Error(`socat did not start: ${why}\n${log}`));
    };
    const timer = setTimeout(() => fail('no "starting data transfer loop" within 5s'), 5000);
    child.once('error', (error) => {
      clearTimeout(timer);
      fail(error.message);
    });
    const early = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`socat exited with ${code}: ${log}`));
    };
    child.once('exit', early);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      log += chunk;
      if (!log.includes('starting data transfer loop')) return;
      const ptys = [...log.matchAll(/PTY is (\/dev\/pts\/\d+)/g)].map((m) => m[1]!);
      clearTimeout(timer);
      child.off('exit', early);
      if (ptys.length !== 2) return fail(`expected two ptys, found ${ptys.length}`);
      resolve({ process: child, ptys: [ptys[0]!, ptys[1]!] });
    });
  });
}
