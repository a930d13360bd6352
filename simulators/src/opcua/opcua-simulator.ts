import { hostname } from 'node:os';
import { join } from 'node:path';
import { MessageSecurityMode, OPCUACertificateManager, OPCUAServer, SecurityPolicy } from 'node-opcua';
import type { OPCUA_SECURITY_MODES } from '@afferent/device-profiles';
import { DeviceRoster, type NamedDeviceSpec } from '../device/device-roster.js';
import type { Fault } from '../device/fault.js';
import { FaultTable } from '../device/fault-table.js';
import type { SimulatedDevice } from '../device/simulated-device.js';
import { TimerSet } from '../device/timer-set.js';
import { addDeviceNodes } from './opcua-device-nodes.js';
import { FaultGate } from './opcua-fault-gate.js';
import { registerNamespaces } from './opcua-namespaces.js';

export interface OpcuaSecurityOptions {
  /** Default true. */
  allowAnonymous?: boolean;
  users?: { username: string; password: string }[];
  /** Default ['None', 'SignAndEncrypt']; secure modes use Basic256Sha256. */
  modes?: (typeof OPCUA_SECURITY_MODES)[number][];
}

/** Server limits a client must live within (node-opcua's defaults otherwise). */
export interface OpcuaLimits {
  maxMonitoredItemsPerSubscription?: number;
  maxSubscriptionsPerSession?: number;
  maxSessions?: number;
  maxNodesPerRead?: number;
  maxNodesPerWrite?: number;
  maxMonitoredItemsPerCall?: number;
}

export interface OpcuaSimulatorOptions {
  /** Where the server listens and what its endpoint URL says; default 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The server's PKI (certificate, key, trusted and rejected clients). Nothing is written elsewhere. */
  pkiDir: string;
  devices: NamedDeviceSpec[];
  security?: OpcuaSecurityOptions;
  limits?: OpcuaLimits;
}

/**
 * An OPC UA server (node-opcua) serving simulated devices: each profile
 * point is a variable at the node id the profile names, of the point's
 * DataType, writable where the profile says, with faults on demand.
 * Close it and start another on the same port and PKI folder to simulate a
 * server restart.
 */
export class OpcuaSimulator {
  private readonly roster: DeviceRoster;
  private readonly faults = new FaultTable<string>();
  private readonly timers = new TimerSet();
  private readonly gate: FaultGate;
  private server?: OPCUAServer;
  endpointUrl = '';
  port = 0;

  private constructor(devices: NamedDeviceSpec[]) {
    this.roster = new DeviceRoster(devices);
    this.gate = new FaultGate(this.faults, this.timers, () => this.dropChannels());
  }

  static async start(options: OpcuaSimulatorOptions): Promise<OpcuaSimulator> {
    const simulator = new OpcuaSimulator(options.devices);
    await simulator.listen(options);
    return simulator;
  }

  get deviceIds(): string[] {
    return this.roster.entries.map((e) => e.id);
  }

  device(ref: number | string = 0): SimulatedDevice {
    return this.roster.entry(ref).device;
  }

  /** Inject a fault for one device, or for every device when none is given; undefined clears it. */
  setFault(fault: Fault | undefined, ref?: number | string): void {
    this.faults.set(fault, ref === undefined ? undefined : this.roster.entry(ref).id);
    if (fault?.kind === 'drop-connection') this.dropChannels();
    this.gate.release();
  }

  /** Stop listening and drop every session, as a PLC losing power would. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    this.timers.clear();
    this.gate.clear();
    await server.shutdown(0);
  }

  private async listen(options: OpcuaSimulatorOptions): Promise<void> {
    const host = options.host ?? '127.0.0.1';
    const { allowAnonymous = true, users = [], modes = ['None', 'SignAndEncrypt'] } = options.security ?? {};
    const { maxNodesPerRead, maxNodesPerWrite, maxMonitoredItemsPerCall, ...capabilities } = options.limits ?? {};
    const certificates = (folder: string) =>
      new OPCUACertificateManager({ rootFolder: join(options.pkiDir, folder), automaticallyAcceptUnknownCertificate: true });
    const server = new OPCUAServer({
      host,
      // A wildcard address is no place a client can connect to: advertise the machine's name instead.
      hostname: host === '0.0.0.0' || host === '::' ? hostname() : host,
      port: options.port ?? 0,
      serverCertificateManager: certificates('server'),
      userCertificateManager: certificates('user'),
      securityModes: modes.map((mode) => MessageSecurityMode[mode]),
      securityPolicies: [SecurityPolicy.None, SecurityPolicy.Basic256Sha256],
      allowAnonymous,
      userManager: { isValidUser: (username: string, password: string) => users.some((u) => u.username === username && u.password === password) },
      serverCapabilities: { ...capabilities, operationLimits: { maxNodesPerRead, maxNodesPerWrite, maxMonitoredItemsPerCall } },
      buildInfo: { productName: 'Afferent device simulator', manufacturerName: 'Afferent' },
      isAuditing: false,
    });
    await server.initialize();
    try {
      const addressSpace = server.engine.addressSpace!;
      registerNamespaces(addressSpace, this.roster.entries.flatMap((e) => e.device.profile.points.flatMap((p) => (p.opcua ? [p.opcua.nodeId] : []))));
      for (const entry of this.roster.entries) addDeviceNodes(addressSpace, entry, this.gate);
      await server.start();
    } catch (error) {
      await server.shutdown(0);
      throw error;
    }
    this.server = server;
    this.port = server.endpoints[0]!.port;
    this.endpointUrl = server.getEndpointUrl();
  }

  private dropChannels(): void {
    for (const endpoint of this.server?.endpoints ?? []) endpoint.abruptlyInterruptChannels();
  }
}

export function startOpcuaSimulator(options: OpcuaSimulatorOptions): Promise<OpcuaSimulator> {
  return OpcuaSimulator.start(options);
}
