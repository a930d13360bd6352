/** Modbus exception codes the simulator answers with, as a real device would. */
export const MODBUS_EXCEPTION = {
  illegalFunction: 0x01,
  illegalDataAddress: 0x02,
  illegalDataValue: 0x03,
  serverDeviceFailure: 0x04,
  serverDeviceBusy: 0x06,
  gatewayPathUnavailable: 0x0a,
  gatewayTargetFailedToRespond: 0x0b,
} as const;

/** The shape modbus-serial's server turns into an exception response. */
export function modbusException(code: number, msg: string): { modbusErrorCode: number; msg: string } {
  return { modbusErrorCode: code, msg };
}
