import { createRequire } from 'node:module';

/** mqtt-packet caches the encoding of every remaining length below this. */
const CACHED_LENGTHS = 16_384;
/** A QoS 0 publish to topic "a" is 3 bytes before its payload (topic length, topic). */
const PUBLISH_OVERHEAD = 3;

let filled = false;

/**
 * mqtt-packet keeps the encoded "remaining length" of every packet length
 * below 16,384 it has written, for good (`varByteIntCache`, see
 * mqttjs/mqtt-packet#163). Each entry is a 1–4 byte slice of Node's shared
 * 8 KiB buffer pool, so entries made one at a time over hours, between other
 * allocations, each pin a pool block of their own: telemetry batches of ever
 * new sizes grew the agent's resident memory by ~2.5 MB/min at 20k points/s,
 * towards 16,384 × 8 KiB = 128 MiB. Writing a packet of every such length
 * once, in a tight loop, packs the whole cache into a few blocks (~64 KiB)
 * and nothing is added later. Once per process, before the first connect.
 */
export function fillMqttLengthCache(): void {
  if (filled) return;
  filled = true;
  // The copy mqtt.js itself loads, whatever the hoisting.
  const mqttPacket = createRequire(createRequire(import.meta.url).resolve('mqtt'))('mqtt-packet') as {
    writeToStream(packet: object, stream: { write(chunk: unknown): boolean }): boolean;
  };
  const sink = { write: () => true };
  const payload = Buffer.alloc(CACHED_LENGTHS);
  for (let length = PUBLISH_OVERHEAD; length < CACHED_LENGTHS; length++) {
    mqttPacket.writeToStream({ cmd: 'publish', topic: 'a', payload: payload.subarray(0, length - PUBLISH_OVERHEAD), qos: 0, retain: false, dup: false }, sink);
  }
}
