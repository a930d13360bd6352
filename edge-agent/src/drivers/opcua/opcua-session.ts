import { parseDuration, type ProfilePoint } from '@afferent/device-profiles';
import { AttributeIds, type DataValue } from 'node-opcua';
import { DriverError, type DeviceSession, type DeviceTarget, type PushEvents, type RawListener, type RawReadResult, type RawWrite } from '../driver.js';
import { statusError, toDriverError } from './opcua-errors.js';
import type { OpcuaEndpoint } from './opcua-endpoint.js';
import { pushesPoint } from './opcua-mode.js';
import type { PushClient, PushItem } from './opcua-subscriptions.js';
import { toVariant } from './opcua-variant.js';

/** Values the server keeps per item between publishes, unless the profile says otherwise. */
export const DEFAULT_QUEUE_SIZE = 10;
/** Nodes per Read or Write request when the server sets no limit. */
const DEFAULT_NODES_PER_CALL = 1000;

/**
 * One device on a shared endpoint. Reads and writes go straight to the
 * server (chunked within its operation limits); subscribed points become
 * monitored items in the endpoint's shared subscriptions.
 */
export class OpcuaSession implements DeviceSession {
  private readonly where: string;
  private readonly subscriptions = new Set<PushClient>();

  constructor(
    private readonly target: DeviceTarget,
    private readonly endpoint: OpcuaEndpoint,
    private readonly intervalMs: number,
    private readonly release: () => Promise<void>,
  ) {
    this.where = `${target.instance.id} (${endpoint.url})`;
  }

  pushes(point: ProfilePoint): boolean {
    return pushesPoint(this.target.profile, point);
  }

  async read(points: readonly ProfilePoint[]): Promise<RawReadResult> {
    const results: RawReadResult = new Map();
    const wanted = points.filter((p) => p.opcua);
    await this.endpoint.run(`${this.where} read`, async (link) => {
      const perCall = link.limits.maxNodesPerRead || DEFAULT_NODES_PER_CALL;
      for (let start = 0; start < wanted.length; start += perCall) {
        const chunk: ProfilePoint[] = [];
        const nodes = [];
        for (const point of wanted.slice(start, start + perCall)) {
          try {
            nodes.push({ nodeId: link.nodeId(point.opcua!.nodeId), attributeId: AttributeIds.Value });
            chunk.push(point);
          } catch (error) {
            results.set(point.name, { error: toDriverError(error, this.pointWhere(point)) });
          }
        }
        if (nodes.length === 0) continue;
        const values = await link.session.read(nodes);
        chunk.forEach((point, i) => results.set(point.name, this.result(point, values[i]!)));
      }
    });
    return results;
  }

  async write(writes: readonly RawWrite[]): Promise<void> {
    await this.endpoint.run(`${this.where} write`, async (link) => {
      const perCall = link.limits.maxNodesPerWrite || DEFAULT_NODES_PER_CALL;
      for (let start = 0; start < writes.length; start += perCall) {
        const chunk = writes.slice(start, start + perCall);
        const nodes = [];
        for (const { point, raw } of chunk) {
          const nodeId = point.opcua!.nodeId;
          const dataType = await link.dataType(nodeId).catch((error: unknown) => {
            throw toDriverError(error, this.pointWhere(point));
          });
          const value = toVariant(dataType, raw, `${this.where} write ${point.name}`);
          nodes.push({ nodeId: link.nodeId(nodeId), attributeId: AttributeIds.Value, value: { value } });
        }
        const statuses = await link.session.write(nodes);
        statuses.forEach((status, i) => {
          if (!status.isGood()) throw statusError(`${this.where} write ${chunk[i]!.point.name}`, status);
        });
      }
    });
  }

  async subscribe(points: readonly ProfilePoint[], listener: RawListener, events?: PushEvents): Promise<() => Promise<void>> {
    const { profile } = this.target;
    const items: PushItem[] = points.filter((p) => p.opcua).map((point) => ({
      nodeId: point.opcua!.nodeId,
      samplingInterval: durationOr(point.opcua!.samplingInterval ?? profile.opcua?.samplingInterval, this.intervalMs),
      queueSize: point.opcua!.queueSize ?? profile.opcua?.queueSize ?? DEFAULT_QUEUE_SIZE,
      deliver: (value: DataValue) => {
        const result = this.result(point, value);
        // The agent's clock, as for every protocol: a PLC's clock may be off, and a value unchanged
        // since yesterday carries yesterday's source timestamp.
        if ('raw' in result) listener(point.name, result.raw, Date.now());
        else events?.pointFailed(point.name, result.error);
      },
      failed: (error: DriverError) => events?.pointFailed(point.name, error),
    }));
    const client: PushClient = {
      items,
      publishingInterval: this.intervalMs,
      alive: (t) => events?.alive(t),
      lost: (error) => events?.lost(new DriverError(error.kind, `${this.where} subscription: ${error.message.replace(`${this.endpoint.url}: `, '')}`, error.code)),
    };
    this.subscriptions.add(client);
    await this.endpoint.pool.add(client);
    return async () => {
      if (!this.subscriptions.delete(client)) return;
      await this.endpoint.pool.remove(client);
    };
  }

  async close(): Promise<void> {
    const clients = [...this.subscriptions];
    this.subscriptions.clear();
    await Promise.all(clients.map((client) => this.endpoint.pool.remove(client)));
    await this.release();
  }

  private result(point: ProfilePoint, value: DataValue): { raw: unknown } | { error: DriverError } {
    if (value.statusCode.isGoodish()) return { raw: value.value.value };
    return { error: statusError(this.pointWhere(point), value.statusCode) };
  }

  private pointWhere(point: ProfilePoint): string {
    return `${this.where} ${point.name} (${point.opcua?.nodeId})`;
  }
}

function durationOr(duration: string | undefined, fallback: number): number {
  return duration ? parseDuration(duration) : fallback;
}
