import mqttPacket from 'mqtt-packet';

/** mqtt-packet caches the encoding of every remaining length below this. */
const CACHED_LENGTHS = 16_384;
/** A QoS 0 publish to topic "a" is 3 bytes before its payload (topic length, topic). */
const PUBLISH_OVERHEAD = 3;

let settled = false;

/**
 * mqtt-packet's two caches, set up for a process that runs for months on a
 * small gateway. Once per process, before the first MQTT client writes.
 *
 * Numbers: by default it encodes every 16-bit number once at the first
 * write, 65,536 two-byte Buffers, ~7 MB of heap (a quarter of the agent's),
 * to save one small allocation per message id and topic length. Off: the
 * agent writes tens of packets a second, not millions.
 *
 * Lengths: it keeps the encoded "remaining length" of every packet length
 * below 16,384 it has written, for good (`varByteIntCache`, see
 * mqttjs/mqtt-packet#163). Each entry is a 1–4 byte slice of Node's shared
 * 8 KiB buffer pool, so entries made one at a time over hours, between other
 * allocations, each pin a pool block of their own: telemetry batches of ever
 * new sizes grew the agent's resident memory by ~2.5 MB/min at 20k points/s,
 * towards 16,384 × 8 KiB = 128 MiB. Writing a packet of every such length
 * once, in a tight loop, packs the whole cache into a few blocks (~64 KiB)
 * and nothing is added later.
 *
 * mqtt-packet is a direct dependency in the range mqtt.js asks for, so npm
 * installs one copy and the agent's bundle holds one: the caches set up here
 * are the ones mqtt.js uses.
 */
export function settleMqttPacketMemory(): void {
  if (settled) return;
  settled = true;
  mqttPacket.writeToStream.cacheNumbers = false;
  const sink = { write: () => true } as unknown as NodeJS.WritableStream;
  const payload = Buffer.alloc(CACHED_LENGTHS);
  for (let length = PUBLISH_OVERHEAD; length < CACHED_LENGTHS; length++) {
    mqttPacket.writeToStream({ cmd: 'publish', topic: 'a', payload: payload.subarray(0, length - PUBLISH_OVERHEAD), qos: 0, retain: false, dup: false }, sink);
  }
}
