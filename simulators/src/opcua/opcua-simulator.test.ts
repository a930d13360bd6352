import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AttributeIds, ClientMonitoredItem, DataType, StatusCodes, TimestampsToReturn, Variant, VariableIds,
} from 'node-opcua';
import { POINT_CODECS, loadProfileLibrary, parseProfile, type DeviceProfile } from '@afferent/device-profiles';
import { waitFor } from '@afferent/testkit';
import { DATA_TYPES } from './opcua-data-type.js';
import { startOpcuaSimulator, type OpcuaSimulator } from './opcua-simulator.js';
import { connect, type TestSession } from './test-support/opcua-client.js';

const ALL_TYPES = parseProfile(`
profile: opcua-all-types
version: 1
protocol: opcua
points:
  - { name: flag, type: bool,    opcua: { nodeId: "nsu=urn:afferent:test;s=Flag" } }
  - { name: i16,  type: int16,   opcua: { nodeId: "nsu=urn:afferent:test;s=I16" } }
  - { name: u16,  type: uint16,  opcua: { nodeId: "ns=3;i=1001" } }
  - { name: i32,  type: int32,   scale: 0.1, opcua: { nodeId: "nsu=urn:afferent:test;i=1002" } }
  - { name: u32,  type: uint32,  opcua: { nodeId: "nsu=urn:afferent:test;s=U32" } }
  - { name: i64,  type: int64,   opcua: { nodeId: "nsu=urn:afferent:test;s=I64" } }
  - { name: u64,  type: uint64,  opcua: { nodeId: "nsu=urn:afferent:test;s=U64" } }
  - { name: f32,  type: float32, opcua: { nodeId: "nsu=urn:afferent:test;s=F32" } }
  - { name: f64,  type: float64, access: rw, min: -50, max: 150, opcua: { nodeId: "nsu=urn:afferent:test;s=F64" } }
  - { name: text, type: string,  access: rw, opcua: { nodeId: "nsu=urn:afferent:test;s=Text" } }
  - { name: mode, type: int32,   access: rw, enum: { 0: off, 1: manual, 2: automatic }, opcua: { nodeId: "nsu=urn:afferent:test;s=Mode" } }
`, 'opcua-all-types.yaml');
const VALUES = { flag: true, i16: -1234, u16: 65000, i32: -12.5, u32: 4_000_000_000, i64: -(2 ** 40) - 3, u64: 2 ** 52 + 1, f32: 230.1, f64: 1013.25, text: 'boiler house', mode: 'manual' };
const boiler = loadProfileLibrary().profiles.get('opcua-boiler')!;

let pkiDir: string;
let simulator: OpcuaSimulator | undefined;
let client: TestSession | undefined;
beforeAll(() => {
  pkiDir = mkdtempSync(join(tmpdir(), 'opcua-sim-'));
});
afterEach(async () => {
  await client?.close();
  client = undefined;
  await simulator?.close();
  simulator = undefined;
});
afterAll(() => rmSync(pkiDir, { recursive: true, force: true }));

async function serve(profile: DeviceProfile, limits = {}): Promise<{ sim: OpcuaSimulator; ua: TestSession }> {
  simulator = await startOpcuaSimulator({ pkiDir, devices: [{ id: 'plc-1', profile }], limits });
  client = await connect(simulator.endpointUrl, pkiDir);
  return { sim: simulator, ua: client };
}

const pointOf = (profile: DeviceProfile, name: string) => profile.points.find((p) => p.name === name)!;
const writeValue = (ua: TestSession, text: string, value: Variant) =>
  ua.session.write({ nodeId: ua.nodeId(text), attributeId: AttributeIds.Value, value: { value } });

describe('OPC UA simulator', () => {
  it('serves every point type at its node id with the matching DataType', async () => {
    const { sim, ua } = await serve(ALL_TYPES);
    for (const [name, value] of Object.entries(VALUES)) sim.device().set(name, value);
    expect(sim.endpointUrl).toBe(`opc.tcp://127.0.0.1:${sim.port}`);
    for (const point of ALL_TYPES.points) {
      const dataValue = await ua.read(point.opcua!.nodeId);
      expect(dataValue.statusCode).toBe(StatusCodes.Good);
      expect(dataValue.value.dataType).toBe(DATA_TYPES[point.type]);
      const expected = VALUES[point.name as keyof typeof VALUES];
      // A Float carries 230.1 as 230.10000610351562; the codec reports it to float32 precision, as 230.1.
      expect(POINT_CODECS.opcua.decode(ALL_TYPES, point, dataValue.value.value)).toEqual(expected);
    }
    const access = await ua.session.read({ nodeId: ua.nodeId('nsu=urn:afferent:test;s=F64'), attributeId: AttributeIds.AccessLevel });
    expect(access.value.value & 0x02).toBe(0x02); // CurrentWrite
  });

  it('serves the shipped boiler from its signals', async () => {
    simulator = await startOpcuaSimulator({ pkiDir, devices: [{ profile: boiler, signals: { drum_level: { kind: 'constant', value: 512.5 }, burner_on: { kind: 'constant', value: true } } }] });
    client = await connect(simulator.endpointUrl, pkiDir);
    const read = async (name: string) => POINT_CODECS.opcua.decode(boiler, pointOf(boiler, name), (await client!.read(pointOf(boiler, name).opcua!.nodeId)).value.value);
    expect(await read('drum_level')).toBe(512.5);
    expect(await read('burner_on')).toBe(true);
    expect(await read('level_setpoint')).toBe(200); // resting value within min/max
    expect(await read('mode')).toBe('off');
  });

  it('delivers changes to a subscription', async () => {
    const { sim, ua } = await serve(boiler);
    const subscription = await ua.session.createSubscription2({ requestedPublishingInterval: 50, requestedMaxKeepAliveCount: 20, publishingEnabled: true });
    const seen: number[] = [];
    const item = ClientMonitoredItem.create(subscription, { nodeId: ua.nodeId(pointOf(boiler, 'drum_level').opcua!.nodeId), attributeId: AttributeIds.Value },
      { samplingInterval: 50, queueSize: 10, discardOldest: true }, TimestampsToReturn.Both);
    item.on('changed', (dataValue) => seen.push(dataValue.value.value as number));
    await waitFor('the initial value', () => seen.length > 0);
    sim.device().set('drum_level', 640.5);
    await waitFor('the change', () => seen.includes(640.5));
    sim.device().set('drum_level', 641);
    await waitFor('the next change', () => seen.includes(641));
    await subscription.terminate();
  });

  it('lets many items share one subscription within the server limit, and refuses the one beyond', async () => {
    const { ua } = await serve(ALL_TYPES, { maxMonitoredItemsPerSubscription: 10 });
    const limit = await ua.session.read({ nodeId: `i=${VariableIds.Server_ServerCapabilities_MaxMonitoredItemsPerSubscription}`, attributeId: AttributeIds.Value });
    expect(limit.value.value).toBe(10);
    const subscription = await ua.session.createSubscription2({ requestedPublishingInterval: 100, publishingEnabled: true });
    const monitor = async (points: typeof ALL_TYPES.points) => {
      const group = await subscription.monitorItems(points.map((p) => ({ nodeId: ua.nodeId(p.opcua!.nodeId), attributeId: AttributeIds.Value })),
        { samplingInterval: 100, queueSize: 1, discardOldest: true }, TimestampsToReturn.Both);
      return group.monitoredItems.map((item) => item.statusCode);
    };
    expect(await monitor(ALL_TYPES.points.slice(0, 10))).toEqual(Array(10).fill(StatusCodes.Good));
    expect(await monitor(ALL_TYPES.points.slice(10))).toEqual([StatusCodes.BadTooManyMonitoredItems]);
    await subscription.terminate();
  });

  it('writes a writable point and reads it back; refuses out-of-range, wrong-type and read-only writes', async () => {
    const { sim, ua } = await serve(ALL_TYPES);
    const f64 = 'nsu=urn:afferent:test;s=F64';
    expect(await writeValue(ua, f64, new Variant({ dataType: DataType.Double, value: 42.5 }))).toBe(StatusCodes.Good);
    expect((await ua.read(f64)).value.value).toBe(42.5);
    expect(sim.device().get('f64')).toBe(42.5);
    expect(await writeValue(ua, 'nsu=urn:afferent:test;s=Mode', new Variant({ dataType: DataType.Int32, value: 2 }))).toBe(StatusCodes.Good);
    expect(sim.device().get('mode')).toBe('automatic');

    expect(await writeValue(ua, f64, new Variant({ dataType: DataType.Double, value: 151 }))).toBe(StatusCodes.BadOutOfRange);
    expect(await writeValue(ua, 'nsu=urn:afferent:test;s=Mode', new Variant({ dataType: DataType.Int32, value: 7 }))).toBe(StatusCodes.BadOutOfRange);
    expect(await writeValue(ua, f64, new Variant({ dataType: DataType.String, value: 'hot' }))).toBe(StatusCodes.BadTypeMismatch);
    expect(await writeValue(ua, 'nsu=urn:afferent:test;s=I16', new Variant({ dataType: DataType.Int16, value: 1 }))).toBe(StatusCodes.BadNotWritable);
    expect((await ua.read(f64)).value.value).toBe(42.5);
    expect(sim.device().writeLog.map((w) => `${w.point}=${w.value}`)).toEqual(['f64=42.5', 'mode=automatic']);
  });

  it('answers injected faults with Bad statuses, holds reads while the device is silent, and recovers', async () => {
    simulator = await startOpcuaSimulator({ pkiDir, devices: [{ id: 'plc-1', profile: boiler }] });
    client = await connect(simulator.endpointUrl, pkiDir, { timeout: 1000 });
    const level = pointOf(boiler, 'drum_level').opcua!.nodeId;
    simulator.setFault({ kind: 'exception', code: 6 }, 'plc-1');
    expect((await client.read(level)).statusCode).toBe(StatusCodes.BadResourceUnavailable);
    simulator.setFault({ kind: 'garbage' }, 'plc-1');
    expect((await client.read(level)).statusCode).toBe(StatusCodes.BadDecodingError);
    simulator.setFault({ kind: 'no-answer' }, 'plc-1');
    await expect(client.read(level)).rejects.toThrow(/timeout|Transaction has timed out/i);
    simulator.setFault({ kind: 'delay', ms: 100 }, 'plc-1');
    expect((await client.read(level)).statusCode).toBe(StatusCodes.Good);
    simulator.setFault(undefined, 'plc-1');
    expect((await client.read(level)).statusCode).toBe(StatusCodes.Good);
  });
});
