import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@afferent/testkit';

/**
 * A real VictoriaMetrics (Debian's `victoria-metrics`), which takes the
 * InfluxDB v2 write API at /api/v2/write: the InfluxDB writer is tested
 * against it. A series is `<measurement>_<field>` with the tags as labels;
 * bool fields read back as 1/0 and string fields as 0 (it keeps numbers only).
 *
 * It acknowledges a write before the data is on disk (rows wait in memory,
 * here for up to ~10 s), so a SIGKILL loses rows it has acked: `persisted`
 * waits until everything it took is in its on-disk parts.
 */
export const VICTORIA_METRICS = '/usr/bin/victoria-metrics';

export interface ExportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export class VictoriaMetrics {
  private child: ChildProcess | undefined;
  private stderr = '';

  private constructor(readonly port: number, readonly dataDir: string) {}

  /** Start on a free port in a fresh temp folder. */
  static async start(): Promise<VictoriaMetrics> {
    if (!existsSync(VICTORIA_METRICS)) throw new Error(`${VICTORIA_METRICS} is missing: apt-get install victoria-metrics (.ci/run does)`);
    const vm = new VictoriaMetrics(await freePort(), mkdtempSync(join(tmpdir(), 'afferent-vm-')));
    await vm.launch();
    return vm;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Start again on the same port and data folder (after `kill`). */
  async launch(): Promise<void> {
    this.stderr = '';
    const child = spawn(VICTORIA_METRICS, [
      `-httpListenAddr=127.0.0.1:${this.port}`, `-storageDataPath=${this.dataDir}`, '-retentionPeriod=1', '-search.latencyOffset=1s',
      '-loggerLevel=ERROR',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (chunk: Buffer) => { this.stderr += chunk.toString('utf8'); });
    this.child = child;
    await waitFor('victoria-metrics to answer /health', async () => {
      if (child.exitCode !== null) throw new Error(`victoria-metrics exited (${child.exitCode}): ${this.stderr}`);
      return (await fetch(`${this.url}/health`).catch(() => undefined))?.ok;
    }, 20_000);
  }

  /** SIGKILL, as a crash would, and wait until the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Every sample of the series matching a selector. */
  async export(match = '{__name__=~".+"}'): Promise<ExportedSeries[]> {
    // New series become searchable only after a flush (up to ~6 s on its own).
    await fetch(`${this.url}/internal/force_flush`);
    const response = await fetch(`${this.url}/api/v1/export?${new URLSearchParams({ 'match[]': match })}`);
    if (!response.ok) throw new Error(`export: ${response.status} ${await response.text()}`);
    const text = await response.text();
    return text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as ExportedSeries);
  }

  /** Rows VictoriaMetrics has taken in through the InfluxDB write API (its own counter). */
  async rowsInserted(): Promise<number> {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    return Number(/^vm_rows_inserted_total\{type="influx"\} (\d+)$/m.exec(text)?.[1] ?? 0);
  }

  /** Wait until every row it took is in on-disk parts (nudging it with force_flush and force_merge). */
  async persisted(): Promise<void> {
    const inserted = await this.rowsInserted();
    await waitFor(`victoria-metrics to persist ${inserted} rows`, async () => {
      await fetch(`${this.url}/internal/force_flush`);
      for (const partition of this.partitions()) await fetch(`${this.url}/internal/force_merge?partition_prefix=${partition}`);
      return this.rowsOnDisk() >= inserted;
    }, 30_000, 200);
  }

  /** Part folders are named rows_blocks_minTime_maxTime_id; the rows count is what is on disk. */
  private rowsOnDisk(): number {
    let rows = 0;
    for (const size of ['small', 'big']) {
      for (const partition of this.partitions(size)) {
        for (const part of readdirSync(join(this.dataDir, 'data', size, partition))) {
          const match = /^(\d+)_\d+_/.exec(part);
          if (match) rows += Number(match[1]);
        }
      }
    }
    return rows;
  }

  private partitions(size = 'small'): string[] {
    const dir = join(this.dataDir, 'data', size);
    return existsSync(dir) ? readdirSync(dir).filter((name) => /^\d{4}_\d{2}$/.test(name)) : [];
  }
}
