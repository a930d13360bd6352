import { expandTopic, parseDuration, type DeviceProfile, type Protocol } from '@afferent/device-profiles';
import { CoapSimulator } from '../coap/coap-simulator.js';
import type { Fault } from '../device/fault.js';
import type { SimulatedDevice } from '../device/simulated-device.js';
import { ModbusSimulator } from '../modbus/modbus-simulator.js';
import { MqttDevice } from '../mqtt/mqtt-device.js';
import { OpcuaSimulator } from '../opcua/opcua-simulator.js';
import type { DeviceGroup } from './scenario.js';

/** One simulated device of a running fleet, and where an agent finds it. */
export interface FleetDevice {
  id: string;
  profile: DeviceProfile;
  device: SimulatedDevice;
  /** Where it is: tcp://… (Modbus), opc.tcp://…, coap://…, or the mqtt://… broker it publishes to. */
  url: string;
  /** Modbus: its unit id behind `url`. */
  unitId?: number;
  /** The `connection` of its edge-agent device instance. */
  connection: Record<string, unknown>;
  /** Inject a fault on this device alone; undefined clears it. */
  setFault(fault: Fault | undefined): void;
  /** How often it speaks by itself (an MQTT device's publish interval): an agent should expect no more. */
  interval?: string;
}

/** A listening server of the fleet (Modbus, OPC UA, CoAP). MQTT devices are clients of a broker, not servers. */
export interface FleetServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A device of a group, planned before anything starts. */
export interface PlannedDevice {
  id: string;
  device: SimulatedDevice;
}

/** A scenario group and its devices. */
export interface GroupPlan {
  group: DeviceGroup;
  /** The group's position in the scenario. */
  index: number;
  planned: PlannedDevice[];
}

export interface LaunchContext {
  host: string;
  /** The PKI folder of OPC UA servers (created on first use). */
  pkiDir(): string;
}

export interface Launched {
  devices: FleetDevice[];
  servers: FleetServer[];
  /** Everything to close: servers and MQTT clients. */
  parts: { close(): Promise<void> }[];
}

/** Starts every group of one protocol. */
type Launcher = (plans: GroupPlan[], context: LaunchContext) => Promise<Launched>;

/** Each device of the plans with its group and its port: the group's first port plus its place in the group (0: any). */
function eachDevice(plans: GroupPlan[]): { group: DeviceGroup; entry: PlannedDevice; port: number }[] {
  return plans.flatMap(({ group, planned }) => planned.map((entry, n) => ({ group, entry, port: group.port ? group.port + n : 0 })));
}

/** How each protocol's devices come alive. One row per protocol. */
export const LAUNCHERS: Record<Protocol, Launcher> = {
  /**
   * Devices that share a port share one server (a serial gateway), one unit
   * id each: `unitsPerPort` of a group per port, and groups that name the
   * same port behind the same gateway.
   */
  modbus: (plans, { host }) => {
    const gateways = new Map<string, { port: number; units: { entry: PlannedDevice; unitId: number }[] }>();
    for (const { group, index, planned } of plans) {
      const perPort = group.unitsPerPort ?? 1;
      planned.forEach((entry, n) => {
        const portIndex = Math.floor(n / perPort);
        const port = group.port ? group.port + portIndex : 0;
        const key = port ? `port:${port}` : `group:${index}:${portIndex}`;
        const gateway = gateways.get(key) ?? { port, units: [] };
        gateway.units.push({ entry, unitId: (group.unitId ?? 1) + (n % perPort) });
        gateways.set(key, gateway);
      });
    }
    return startEach([...gateways.values()], async ({ port, units }) => {
      const server = await ModbusSimulator.start({ host, port, devices: units.map(({ entry, unitId }) => ({ unitId, device: entry.device })) });
      return {
        server,
        devices: units.map(({ entry, unitId }) => fleetDevice(entry, server.url, { url: server.url, unitId }, (fault) => server.setFault(fault, unitId), unitId)),
      };
    });
  },
  /** One server per device: a profile's node ids are the device's own. Started one after the other, as they share one PKI. */
  opcua: (plans, { host, pkiDir }) =>
    startEach(eachDevice(plans), async ({ group: { security }, entry, port }) => {
      const server = await OpcuaSimulator.start({ host, port, pkiDir: pkiDir(), devices: [{ id: entry.id, device: entry.device }], ...(security && { security }) });
      const user = security?.allowAnonymous === false ? security.users?.[0] : undefined;
      const connection = {
        url: server.endpointUrl,
        ...(security?.modes && !security.modes.includes('None') && { securityMode: security.modes.includes('SignAndEncrypt') ? 'SignAndEncrypt' : 'Sign' }),
        ...(user && { username: user.username, password: user.password }),
      };
      return { server: { url: server.endpointUrl, port: server.port, close: () => server.close() }, devices: [fleetDevice(entry, server.endpointUrl, connection, (fault) => server.setFault(fault))] };
    }),
  /** One server per device: a profile's paths are the device's own. */
  coap: (plans, { host }) =>
    startEach(eachDevice(plans), async ({ entry, port }) => {
      const server = await CoapSimulator.start({ host, port, devices: [{ id: entry.id, device: entry.device }] });
      return { server, devices: [fleetDevice(entry, server.url, { url: server.url }, (fault) => server.setFault(fault))] };
    }),
  /** Each device is a client of its group's broker. */
  mqtt: (plans) =>
    startEach(eachDevice(plans), async ({ group, entry }) => {
      const broker = group.broker!;
      const credentials = { ...(group.username !== undefined && { username: group.username }), ...(group.password !== undefined && { password: group.password }) };
      const base = expandTopic(group.base ?? '{id}', { id: entry.id });
      const client = await MqttDevice.start({
        brokerUrl: broker, id: entry.id, base, device: entry.device, ...credentials,
        ...(group.publishInterval && { publishInterval: parseDuration(group.publishInterval) }), ...(group.retain !== undefined && { retain: group.retain }),
      });
      const device = fleetDevice(entry, broker, { url: broker, base, ...credentials }, (fault) => client.setFault(fault));
      return { client, devices: [group.publishInterval ? { ...device, interval: group.publishInterval } : device] };
    }),
};

function fleetDevice(entry: PlannedDevice, url: string, connection: Record<string, unknown>, setFault: (fault: Fault | undefined) => void, unitId?: number): FleetDevice {
  return { id: entry.id, profile: entry.device.profile, device: entry.device, url, connection, setFault, ...(unitId !== undefined && { unitId }) };
}

type Started = { devices: FleetDevice[] } & ({ server: FleetServer } | { client: { close(): Promise<void> } });

/** Start one after the other; if one fails, close those already started and fail. */
async function startEach<T>(items: T[], start: (item: T) => Promise<Started>): Promise<Launched> {
  const launched: Launched = { devices: [], servers: [], parts: [] };
  try {
    for (const item of items) {
      const started = await start(item);
      launched.devices.push(...started.devices);
      if ('server' in started) launched.servers.push(started.server);
      launched.parts.push('server' in started ? started.server : started.client);
    }
  } catch (error) {
    await Promise.all(launched.parts.map((part) => part.close()));
    throw error;
  }
  return launched;
}
