import { encodeWire, gatewayTopic, allGatewaysTopic, parseGatewayTopic, type Ack, type DesiredConfig, type UpTopic } from '@afferent/device-profiles';
import type { Aedes } from 'aedes';
import type { MessageHandler } from '../ingest/message-handler.js';
import type { Logger } from '../logging/logger.js';

/**
 * The hub talks to its own broker in process: it subscribes to every
 * gateway's up topics with `broker.subscribe` (no MQTT client, no loopback
 * socket) and publishes acks and desired configs with `broker.publish`.
 */
export async function subscribeHandlers(broker: Aedes, handlers: Partial<Record<UpTopic, MessageHandler>>, logger: Logger): Promise<void> {
  for (const [kind, handler] of Object.entries(handlers) as [UpTopic, MessageHandler][]) {
    await new Promise<void>((resolve) => {
      broker.subscribe(allGatewaysTopic(kind), (packet, done) => {
        // aedes asks for `done` before returning; handlers queue or finish synchronously.
        try {
          const parsed = parseGatewayTopic(packet.topic);
          if (parsed) handler(parsed.gateway, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload));
        } catch (error) {
          logger.error({ err: error, topic: packet.topic }, 'message handler failed');
        }
        done();
      }, resolve);
    });
  }
}

export function publishAck(broker: Aedes, gateway: string, ack: Ack, logger: Logger): void {
  // Shutting down: the batches are stored; the agent resends them and gets the ack then, as duplicates.
  if (broker.closed) return;
  broker.publish(
    { cmd: 'publish', topic: gatewayTopic(gateway, 'ack'), payload: encodeWire('ack', ack), qos: 1, retain: false, dup: false },
    (error) => {
      if (error) logger.error({ err: error, gateway, epoch: ack.epoch }, 'could not publish ack');
    },
  );
}

/** Retained: a gateway that connects later, or reconnects, gets its newest desired config at once. */
export function publishConfig(broker: Aedes, gateway: string, config: DesiredConfig, logger: Logger): void {
  if (broker.closed) return;
  broker.publish(
    { cmd: 'publish', topic: gatewayTopic(gateway, 'config'), payload: encodeWire('config', config), qos: 1, retain: true, dup: false },
    (error) => {
      if (error) logger.error({ err: error, gateway, version: config.version }, 'could not publish the desired config');
    },
  );
}
