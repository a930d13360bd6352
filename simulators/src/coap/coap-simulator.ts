import { ObserveWriteStream, createServer, type IncomingMessage, type OutgoingMessage, type Server } from 'coap';
import type { AddressInfo } from 'node:net';
import { CONTENT_FORMATS, CodecError, type PayloadFormat } from '@afferent/device-profiles';
import { DeviceRoster, type NamedDeviceSpec } from '../device/device-roster.js';
import type { Fault } from '../device/fault.js';
import { FaultTable } from '../device/fault-table.js';
import type { SimulatedDevice } from '../device/simulated-device.js';
import { TimerSet } from '../device/timer-set.js';
import { decodeWrites, encodeState } from '../payload/payload-points.js';
import { diagnostic, faultAnswer, type CoapAnswer } from './coap-answer.js';
import { optionFormat } from './content-format.js';
import { CoapObservers } from './coap-observers.js';
import { buildResources, type CoapResource } from './coap-resources.js';

export interface CoapSimulatorOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  devices: NamedDeviceSpec[];
  /** How often observed resources are compared with what their observers last got, in ms; default 100. */
  notifyInterval?: number;
}

type Response = OutgoingMessage | ObserveWriteStream;

/**
 * A CoAP server (the `coap` package) serving simulated devices: each
 * distinct `coap.path` of a profile is a resource whose representation holds
 * its points in the profile's format; GET (with Observe), and PUT or POST as
 * the profile says, with the profile's codecs. Faults on demand.
 */
export class CoapSimulator {
  private readonly roster: DeviceRoster;
  private readonly resources: Map<string, CoapResource>;
  private readonly faults = new FaultTable<string>();
  private readonly timers = new TimerSet();
  private readonly observers = new CoapObservers();
  /** Requests not answered yet: their piggyback-ACK timers must not fire after close. */
  private readonly pending = new Set<OutgoingMessage>();
  private server?: Server;
  port = 0;

  private constructor(private readonly host: string, devices: NamedDeviceSpec[]) {
    this.roster = new DeviceRoster(devices);
    this.resources = buildResources(this.roster.entries);
  }

  static async start(options: CoapSimulatorOptions): Promise<CoapSimulator> {
    const simulator = new CoapSimulator(options.host ?? '127.0.0.1', options.devices);
    await simulator.listen(options.port ?? 0);
    simulator.timers.every(options.notifyInterval ?? 100, () => simulator.notifyObservers());
    return simulator;
  }

  get url(): string {
    return `coap://${this.host}:${this.port}`;
  }

  get deviceIds(): string[] {
    return this.roster.entries.map((e) => e.id);
  }

  device(ref: number | string = 0): SimulatedDevice {
    return this.roster.entry(ref).device;
  }

  /** Observations in force (for tests and diagnostics). */
  get observerCount(): number {
    return this.observers.size;
  }

  /** Inject a fault for one device, or for every device when none is given; undefined clears it. */
  setFault(fault: Fault | undefined, ref?: number | string): void {
    const id = ref === undefined ? undefined : this.roster.entry(ref).id;
    this.faults.set(fault, id);
    if (fault?.kind === 'drop-connection') this.observers.forget(id);
  }

  /** Stop every timer and observation first: the library must not write to a closed socket. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    this.timers.clear();
    this.observers.forget();
    for (const response of this.pending) clearTimeout(response._ackTimer ?? undefined);
    this.pending.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async listen(port: number): Promise<void> {
    // reuseAddr off: a second simulator on a busy port must fail, not silently steal its datagrams.
    const server = createServer({ type: 'udp4', reuseAddr: false });
    server.on('request', (request: IncomingMessage, response: Response) => void this.handle(request, response));
    server.on('error', () => {}); // a bad datagram must not take the simulator down
    await new Promise<void>((resolve, reject) => server.listen(port, this.host, (error?: Error) => (error ? reject(error) : resolve())));
    this.server = server;
    this.port = ((server._sock as { address(): AddressInfo }).address()).port;
  }

  private async handle(request: IncomingMessage, response: Response): Promise<void> {
    const unanswered = isObservation(response) ? undefined : response;
    if (unanswered) this.pending.add(unanswered);
    try {
      const answer = await this.answer(request);
      if (!this.server) return;
      if (!answer) clearTimeout(unanswered?._ackTimer ?? undefined); // silent: not even an empty ACK
      else if (isObservation(response) && answer.code === '2.05') this.observers.add(this.resourceOf(request)!, request, response, answer);
      else send(response, answer);
    } catch (error) {
      if (this.server) send(response, diagnostic('5.00', (error as Error).message));
    } finally {
      if (unanswered) this.pending.delete(unanswered);
    }
  }

  private resourceOf(request: IncomingMessage): CoapResource | undefined {
    return this.resources.get(new URL(request.url, 'coap://device').pathname);
  }

  /** What the device answers to a request; undefined when it stays silent. */
  private async answer(request: IncomingMessage): Promise<CoapAnswer | undefined> {
    const resource = this.resourceOf(request);
    if (!resource) return diagnostic('4.04', `no resource ${request.url}`);
    const fault = this.faults.of(resource.deviceId);
    if (fault?.kind === 'delay') await this.timers.sleep(fault.ms);
    else if (fault) return faultAnswer(fault, resource.format);
    if (request.method === 'GET' && request.headers.Observe === 1) this.observers.deregister(request);
    if (request.method === 'GET') return this.read(resource, optionFormat(request, 'Accept'));
    if (request.method === resource.writeMethod) return this.write(resource, request);
    return diagnostic('4.05', `${request.method} is not allowed on ${resource.path}${resource.writes.length > 0 ? `; writes use ${resource.writeMethod}` : ''}`);
  }

  private read(resource: CoapResource, accept: PayloadFormat | null | undefined): CoapAnswer {
    if (resource.reads.length === 0) return diagnostic('4.05', `${resource.path} takes writes only`);
    if (accept !== undefined && accept !== resource.format) {
      return diagnostic('4.06', `${resource.path} is served as ${resource.format} (Content-Format ${CONTENT_FORMATS[resource.format]}) only`);
    }
    try {
      const { format, payload } = encodeState(resource.device, 'coap', resource.reads, resource.baseName);
      resource.device.reads++;
      return { code: '2.05', format, payload };
    } catch (error) {
      if (error instanceof CodecError) return diagnostic('5.00', error.message); // a signal the point's type cannot hold
      throw error;
    }
  }

  private write(resource: CoapResource, request: IncomingMessage): CoapAnswer {
    if (resource.writes.length === 0) return diagnostic('4.05', `${resource.path} is read-only`);
    const format = optionFormat(request, 'Content-Format');
    if (format === null) return diagnostic('4.15', `Content-Format ${String(request.headers['Content-Format'])} is not one this device reads`);
    const decoded = decodeWrites(resource.device, 'coap', resource.writes, { payload: request.payload, ...(format && { format }) });
    if ('refusal' in decoded) return diagnostic('4.00', decoded.refusal);
    for (const { name, value } of decoded.writes) resource.device.applyWrite(name, value);
    this.notifyObservers();
    return { code: '2.04', payload: Buffer.alloc(0) };
  }

  /** Tell observers what changed, as the device sees it now (faults included; a delay delays the notification). */
  private notifyObservers(): void {
    for (const resource of this.observers.resources()) {
      const fault = this.faults.of(resource.deviceId);
      if (fault?.kind === 'delay') {
        this.timers.after(fault.ms, () => this.offerCurrent(resource));
      } else if (fault) {
        const answer = faultAnswer(fault, resource.format);
        if (answer) this.observers.offer(resource, answer);
      } else {
        this.offerCurrent(resource);
      }
    }
  }

  private offerCurrent(resource: CoapResource): void {
    this.observers.offer(resource, this.read(resource, undefined));
  }
}

function isObservation(response: Response): response is ObserveWriteStream {
  return response instanceof ObserveWriteStream;
}

function send(response: Response, answer: CoapAnswer): void {
  response.statusCode = answer.code;
  if (isObservation(response)) {
    // An error to an Observe registration must not carry an Observe option (RFC 7641 §4.2); the library
    // adds one to any payload it writes on the stream, so the error goes without its diagnostic.
    response.end();
    return;
  }
  if (answer.format !== undefined) response.setOption('Content-Format', CONTENT_FORMATS[answer.format]);
  response.end(answer.payload);
}

export function startCoapSimulator(options: CoapSimulatorOptions): Promise<CoapSimulator> {
  return CoapSimulator.start(options);
}
