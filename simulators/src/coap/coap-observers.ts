import { CONTENT_FORMATS } from '@afferent/device-profiles';
import type { IncomingMessage, ObserveWriteStream } from 'coap';
import type { CoapAnswer } from './coap-answer.js';
import type { CoapResource } from './coap-resources.js';

interface Observation {
  resource: CoapResource;
  stream: ObserveWriteStream;
  /** Who observes: the client's endpoint and token identify the observation (RFC 7641 §3.6). */
  peer: string;
  token: Buffer;
  /** The payload of the last notification, to send only changes. */
  last: Buffer;
}

/**
 * The observers of a CoAP server (RFC 7641). A notification goes out only
 * when the representation changed; an error answer ends the observation, as
 * the RFC says. A stream is never written after it ended: the library throws
 * on that, and a throw from a timer would take the process down.
 */
export class CoapObservers {
  private readonly observations = new Set<Observation>();

  get size(): number {
    return this.observations.size;
  }

  /** Register an observer with its first answer (a 2.05). */
  add(resource: CoapResource, request: IncomingMessage, stream: ObserveWriteStream, first: CoapAnswer): void {
    const observation: Observation = { resource, stream, peer: peerOf(request), token: request._packet.token ?? Buffer.alloc(0), last: first.payload };
    // The client cancels with a Reset or stops acknowledging: the library ends the stream.
    const forget = () => this.observations.delete(observation);
    stream.on('finish', forget);
    stream.on('close', forget);
    stream.on('error', forget);
    if (first.format !== undefined) stream.setOption('Content-Format', CONTENT_FORMATS[first.format]);
    stream.write(first.payload);
    this.observations.add(observation);
  }

  resources(): CoapResource[] {
    return [...new Set([...this.observations].map((o) => o.resource))];
  }

  /** Send `answer` to the observers of `resource` whose last notification differs; an error ends them. */
  offer(resource: CoapResource, answer: CoapAnswer): void {
    for (const observation of this.observations) {
      if (observation.resource !== resource) continue;
      const { stream } = observation;
      if (stream.writableEnded) {
        this.observations.delete(observation);
      } else if (!answer.code.startsWith('2.')) {
        stream.statusCode = answer.code;
        stream.end(answer.payload);
        this.observations.delete(observation);
      } else if (!answer.payload.equals(observation.last)) {
        observation.last = answer.payload;
        stream.write(answer.payload);
      }
    }
  }

  /** A GET with Observe 1 from the same endpoint and token cancels an observation. */
  deregister(request: IncomingMessage): void {
    const peer = peerOf(request);
    const token = request._packet.token ?? Buffer.alloc(0);
    for (const observation of this.observations) {
      if (observation.peer !== peer || !observation.token.equals(token)) continue;
      this.observations.delete(observation);
      observation.stream.end();
    }
  }

  /** End observations without a word, as a device that rebooted forgets its observers. */
  forget(deviceId?: string): void {
    for (const observation of this.observations) {
      if (deviceId !== undefined && observation.resource.deviceId !== deviceId) continue;
      this.observations.delete(observation);
      if (!observation.stream.writableEnded) observation.stream.end();
    }
  }
}

function peerOf(request: IncomingMessage): string {
  return `${request.rsinfo.address}:${request.rsinfo.port}`;
}
