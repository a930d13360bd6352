import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@afferent/simulators';
import { startProcess, type RunningProcess } from '@afferent/testkit';

/** Debian's mosquitto as a site broker for tests: anonymous, loopback only, restartable on its port. */
export interface Mosquitto {
  port: number;
  url: string;
  /** Stop the broker (the port stays ours to start it again). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stop it and remove its folder. */
  close(): Promise<void>;
}

export async function startMosquitto(): Promise<Mosquitto> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'afferent-mosquitto-'));
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(config, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n`);
  let process: RunningProcess | undefined;
  const broker: Mosquitto = {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    async start() {
      process = startProcess('/usr/sbin/mosquitto', ['-c', config]);
      await process.waitForLine(/mosquitto version .* running/);
    },
    async stop() {
      await process?.stop();
      process = undefined;
    },
    async close() {
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await broker.start();
  return broker;
}
