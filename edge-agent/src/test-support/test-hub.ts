import { connect, type MqttClient } from 'mqtt';
import { allGatewaysTopic, decodeWire, encodeWire, gatewayTopic, parseGatewayTopic, type TelemetryBatch } from '@afferent/device-profiles';

/**
 * The hub's half of the delivery contract, as small as a test needs:
 * receives telemetry batches, keeps each (epoch, seq) once, and acks it.
 * `holdAcks` stops acking (a hub that is slow or loses acks).
 */
export interface TestHub {
  /** Distinct batches by `${epoch}:${seq}`. */
  readonly batches: Map<string, TelemetryBatch>;
  /** Every batch publication received, duplicates included. */
  deliveries: number;
  /** Batches received but not (yet) acked. */
  readonly unacked: Set<string>;
  /** The most batches ever received and unacked at one moment. */
  maxUnacked: number;
  holdAcks: boolean;
  /** Ack everything held back so far. */
  ackHeld(): void;
  /** Drop the next N deliveries on the floor: no ack, as if the hub had not stored them. */
  ignoreNext: number;
  close(): Promise<void>;
}

export async function startTestHub(brokerUrl: string): Promise<TestHub> {
  const client: MqttClient = connect(brokerUrl, { protocolVersion: 4, clientId: `test-hub-${Math.random().toString(36).slice(2)}`, reconnectPeriod: 100 });
  client.on('error', () => undefined);
  const ack = (gateway: string, epoch: string, seqs: number[]) =>
    client.publish(gatewayTopic(gateway, 'ack'), encodeWire('ack', { epoch, seqs }), { qos: 1 });
  const hub: TestHub = {
    batches: new Map(),
    deliveries: 0,
    unacked: new Set(),
    maxUnacked: 0,
    holdAcks: false,
    ignoreNext: 0,
    ackHeld() {
      for (const key of hub.unacked) {
        const batch = hub.batches.get(key)!;
        ack(gatewayOf.get(key)!, batch.epoch, [batch.seq]);
      }
      hub.unacked.clear();
    },
    async close() {
      await client.endAsync(true);
    },
  };
  const gatewayOf = new Map<string, string>();
  client.on('message', (topic, payload) => {
    const where = parseGatewayTopic(topic);
    const decoded = decodeWire('telemetry', payload);
    if (!where || !decoded.ok) throw new Error(`test hub got a bad batch on ${topic}: ${decoded.ok ? '' : decoded.error}`);
    hub.deliveries++;
    if (hub.ignoreNext > 0) {
      hub.ignoreNext--;
      return;
    }
    const batch = decoded.value;
    const key = `${batch.epoch}:${batch.seq}`;
    if (!hub.batches.has(key)) hub.batches.set(key, batch);
    gatewayOf.set(key, where.gateway);
    if (hub.holdAcks) {
      hub.unacked.add(key);
      hub.maxUnacked = Math.max(hub.maxUnacked, hub.unacked.size);
    } else {
      ack(where.gateway, batch.epoch, [batch.seq]);
    }
  });
  // Resubscribe on every connect: the broker may have restarted without our session.
  client.on('connect', () => client.subscribe(allGatewaysTopic('telemetry'), { qos: 1 }));
  await new Promise<void>((resolve) => client.once('connect', () => client.subscribe(allGatewaysTopic('telemetry'), { qos: 1 }, () => resolve())));
  return hub;
}
