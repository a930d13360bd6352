import type { DeviceProfile, PayloadRaw, PayloadWrite, ProfilePoint } from '@afferent/device-profiles';
import { DriverError, type DeviceSession, type DeviceTarget, type PushEvents, type RawListener, type RawReadResult, type RawWrite } from '../driver.js';
import { checkPayload } from '../payload-check.js';
import type { CoapClient, CoapReply } from './coap-client.js';
import { observesPoint } from './coap-mode.js';
import { PathObservation } from './coap-observation.js';

export interface CoapSessionSettings {
  url: URL;
  timeoutMs: number;
  /** Longest silence on an observation before it is registered again. */
  refreshMs: number;
}


/**
 * One CoAP device. Points that share a resource share one GET per read, or
 * one observation; each point gets the payload and the Content-Format the
 * server declared, for the codec to pick its value out.
 */
export class CoapSession implements DeviceSession {
  private readonly where: string;
  private readonly observations = new Set<PathObservation>();

  constructor(
    private readonly target: DeviceTarget,
    private readonly client: CoapClient,
    private readonly settings: CoapSessionSettings,
  ) {
    this.where = `${target.instance.id} (${target.instance.connection.url as string})`;
  }

  pushes(point: ProfilePoint): boolean {
    return observesPoint(this.target.profile, point);
  }

  async read(points: readonly ProfilePoint[]): Promise<RawReadResult> {
    const results: RawReadResult = new Map();
    const replies = await Promise.allSettled([...byPath(points)].map(async ([path, members]) => {
      const reply = await this.client.request(this.settings.url, { method: 'GET', path, timeoutMs: this.settings.timeoutMs }).catch((error: unknown) => {
        throw this.named(error, `read ${path}`);
      });
      const refusal = reply.code === '2.05' ? undefined : this.refusal(`read ${path}`, reply);
      const raw = rawOf(reply);
      for (const point of members) {
        const error = refusal ?? checkPayload('coap', this.target.profile, point, raw, `${this.where} read ${path}`);
        results.set(point.name, error ? { error } : { raw });
      }
    }));
    // No answer on any resource: the device is down, and the other resources' answers would be partial news.
    const failed = replies.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return results;
  }

  async write(writes: readonly RawWrite[]): Promise<void> {
    const method = this.target.profile.coap?.writeMethod === 'post' ? 'POST' : 'PUT';
    for (const { point, raw } of writes) {
      const path = point.coap?.writePath ?? point.coap?.path;
      if (!path) throw new DriverError('protocol', `${this.where}: point ${point.name} has no CoAP path`);
      const { payload, format } = raw as PayloadWrite;
      let reply: CoapReply;
      try {
        reply = await this.client.request(this.settings.url, { method, path, payload, format, timeoutMs: this.settings.timeoutMs });
      } catch (error) {
        throw this.named(error, `write ${point.name}`);
      }
      if (!reply.code.startsWith('2.')) throw this.refusal(`write ${point.name} (${method} ${path})`, reply);
    }
  }

  async subscribe(points: readonly ProfilePoint[], listener: RawListener, events?: PushEvents): Promise<() => Promise<void>> {
    const mine: PathObservation[] = [];
    for (const [path, members] of byPath(points)) {
      const observation = new PathObservation(this.client, this.settings.url, path, this.settings, {
        value: (reply) => {
          const raw = rawOf(reply);
          const t = Date.now();
          for (const point of members) {
            const garbage = checkPayload('coap', this.target.profile, point, raw, `${this.where} observe ${path}`);
            if (garbage) events?.pointFailed(point.name, garbage);
            else listener(point.name, raw, t);
          }
        },
        alive: (t) => events?.alive(t),
        lost: (error) => events?.lost(this.named(error, `observe ${path}`)),
        refused: (error) => {
          for (const point of members) events?.pointFailed(point.name, this.named(error, `observe ${path}`));
        },
      });
      mine.push(observation);
      this.observations.add(observation);
    }
    await Promise.all(mine.map((o) => o.start()));
    return async () => {
      for (const observation of mine) {
        observation.stop();
        this.observations.delete(observation);
      }
    };
  }

  async close(): Promise<void> {
    for (const observation of this.observations) observation.stop();
    this.observations.clear();
  }

  private refusal(what: string, reply: CoapReply): DriverError {
    const diagnostic = reply.payload.length > 0 && reply.payload.length < 512 ? `: ${reply.payload.toString('utf8')}` : '';
    return new DriverError('device', `${this.where} ${what}: ${reply.code}${diagnostic}`, reply.code);
  }

  private named(error: unknown, what: string): DriverError {
    const failure = error instanceof DriverError ? error : new DriverError('protocol', String((error as Error)?.message ?? error));
    return new DriverError(failure.kind, `${this.where} ${what}: ${failure.message}`, failure.code);
  }
}

function rawOf(reply: CoapReply): PayloadRaw {
  return { payload: reply.payload, ...(reply.format && { format: reply.format }) };
}

function byPath(points: readonly ProfilePoint[]): Map<string, ProfilePoint[]> {
  const paths = new Map<string, ProfilePoint[]>();
  for (const point of points) {
    if (!point.coap) continue;
    paths.set(point.coap.path, [...(paths.get(point.coap.path) ?? []), point]);
  }
  return paths;
}
