import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayTopic, type TelemetryBatch } from '@afferent/device-profiles';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { resolveHubConfig, type HubConfig } from '../config/hub-config.js';
import { startHub, type RunningHub } from '../hub.js';
import { createLogger } from '../logging/logger.js';
import { openDatabase } from '../storage/sqlite.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdefghij';

/** Everything a test started, so afterEach can stop it all. */
export class TestBed {
  readonly dirs: string[] = [];
  readonly hubs: RunningHub[] = [];
  readonly clients: MqttClient[] = [];

  tempDir(prefix = 'afferent-hub-'): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  config(dataDir = this.tempDir(), extra: Partial<HubConfig> = {}): HubConfig {
    return { ...resolveHubConfig({ logLevel: 'silent' }, { host: '127.0.0.1', httpPort: 0, mqttPort: 0, dataDir }), ...extra };
  }

  async hub(config: HubConfig = this.config()): Promise<RunningHub> {
    const hub = await startHub(config, { logger: createLogger(config.logLevel), adminToken: ADMIN_TOKEN });
    this.hubs.push(hub);
    return hub;
  }

  /** Create a gateway (of `tenant`, else default) through the API and provision it, as an admin and the gateway would; its MQTT password. */
  async gateway(hub: RunningHub, id: string, tenant?: string): Promise<string> {
    const created = await fetch(`${hub.apiUrl}/api/v1/gateways`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id, ...(tenant ? { tenant } : {}) }),
    });
    if (created.status !== 201) throw new Error(`creating gateway ${id}: ${created.status} ${await created.text()}`);
    const { provisioning } = (await created.json()) as { provisioning: { token: string } };
    // These hubs run without TLS (plain HTTP on loopback), so the exchange needs no certificate pinning.
    const exchanged = await fetch(`${hub.apiUrl}/api/v1/provision`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: provisioning.token }),
    });
    if (exchanged.status !== 200) throw new Error(`provisioning gateway ${id}: ${exchanged.status} ${await exchanged.text()}`);
    return ((await exchanged.json()) as { mqtt: { password: string } }).mqtt.password;
  }

  /** An MQTT 3.1.1 client that never reconnects by itself. */
  async connect(hub: RunningHub, options: IClientOptions = {}): Promise<MqttClient> {
    const client = await connectAsync(hub.mqttUrl, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...options });
    this.clients.push(client);
    return client;
  }

  /** Disconnect clients and stop hubs; data folders stay (a restart test starts again on them). */
  async stop(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
    for (const hub of this.hubs.splice(0)) await hub.stop();
  }

  async cleanup(): Promise<void> {
    await this.stop();
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

export function telemetryBatch(seq: number, readings: TelemetryBatch['readings'], extra: Partial<TelemetryBatch> = {}): TelemetryBatch {
  return { epoch: 'epoch-test-1', seq, readings, ...extra };
}

export async function publishTelemetry(client: MqttClient, gateway: string, payload: TelemetryBatch | string | Buffer): Promise<void> {
  const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
  await client.publishAsync(gatewayTopic(gateway, 'telemetry'), body, { qos: 1 });
}

/** Rows in a table of the hub's time series database, read through a separate read-only connection. */
export function countRows(dataDir: string, sql: string, ...params: (string | number)[]): number {
  const db = openDatabase(join(dataDir, 'timeseries.db'), { readonly: true });
  try {
    return Number((db.prepare<{ n: number }>(sql).get(...params))?.n ?? 0);
  } finally {
    db.close();
  }
}

/** Subscribe a gateway's client to its ack topic; the returned list fills as acks arrive. */
export async function collectAcks(client: MqttClient, gateway: string): Promise<{ epoch: string; seqs: number[] }[]> {
  const acks: { epoch: string; seqs: number[] }[] = [];
  const topic = gatewayTopic(gateway, 'ack');
  client.on('message', (t, payload) => {
    if (t === topic) acks.push(JSON.parse(payload.toString('utf8')) as { epoch: string; seqs: number[] });
  });
  await client.subscribeAsync(topic, { qos: 1 });
  return acks;
}

/** Every seq acked so far, in arrival order. */
export function ackedSeqs(acks: readonly { seqs: number[] }[]): number[] {
  return acks.flatMap((a) => a.seqs);
}
