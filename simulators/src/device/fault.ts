import { Type, type Static } from 'typebox';

/**
 * What can go wrong with a field device, on demand. Protocol servers map each
 * kind to their own wire behaviour (an `exception` is a Modbus exception code,
 * a CoAP error response, an OPC UA bad status).
 */
export const FaultSchema = Type.Union([
  /** The device receives the request and never answers. */
  Type.Object({ kind: Type.Literal('no-answer') }, { additionalProperties: false }),
  /** The device answers with an error code of its own. */
  Type.Object({ kind: Type.Literal('exception'), code: Type.Integer({ minimum: 1, maximum: 255 }) }, { additionalProperties: false }),
  /** The device (or its gateway) drops the connection. */
  Type.Object({ kind: Type.Literal('drop-connection') }, { additionalProperties: false }),
  /** The device answers bytes that are not its protocol. */
  Type.Object({ kind: Type.Literal('garbage') }, { additionalProperties: false }),
  /** The device answers, slowly. */
  Type.Object({ kind: Type.Literal('delay'), ms: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
]);

export type Fault = Static<typeof FaultSchema>;

/** What a device with a corrupt buffer sends under a `garbage` fault: bytes that are no valid frame or payload of any format. */
export const GARBAGE = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0xff]);
