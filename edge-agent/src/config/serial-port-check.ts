import { describeModbusSerial, modbusSerialSettings, parseModbusUrl, type ModbusConnection, type Problem } from '@afferent/device-profiles';

/**
 * Devices on one serial port are units on one bus: the port has one speed
 * and framing, so they must agree on it. Each device's own connection has
 * already passed its check; this is the rule across devices.
 */
export function checkSharedSerialPorts(devices: readonly { index: number; id: string; connection: ModbusConnection }[]): Problem[] {
  const problems: Problem[] = [];
  const first = new Map<string, { index: number; id: string; line: string }>();
  for (const { index, id, connection } of devices) {
    const address = parseModbusUrl(connection.url);
    if (address.transport !== 'rtu') continue;
    const line = describeModbusSerial(modbusSerialSettings(connection));
    const earlier = first.get(address.path);
    if (!earlier) first.set(address.path, { index, id, line });
    else if (earlier.line !== line) {
      problems.push({
        path: ['devices', index, 'connection'],
        message: `${address.path} runs at ${earlier.line} for devices[${earlier.index}] (${earlier.id}), not ${line}: the units on one bus share its speed and framing`,
      });
    }
  }
  return problems;
}
