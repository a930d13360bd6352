import type { DeviceDetailView } from '../api/api-schemas.js';
import { UsageError, type CliCommand } from './cli-command.js';
import { age, table, value } from './format.js';
import { EXIT } from './hub-client.js';

export const deviceCommand: CliCommand = {
  usage: 'device ID',
  summary: 'one device: its points, their newest values, which can be written',
  async run(context, args) {
    if (args.length !== 1) throw new UsageError('device needs exactly one ID');
    const device = await context.hub.get<DeviceDetailView>(`/api/v1/devices/${encodeURIComponent(args[0]!)}`);
    if (context.json) {
      context.print(JSON.stringify(device, null, 2));
      return EXIT.ok;
    }
    const profile = device.profileKnown ? `${device.profile} v${device.profileVersion}` : `profile ${device.profile}, unknown to the hub`;
    context.print(`${device.id}: ${profile}, ${device.protocol ?? 'protocol unknown'}, gateway ${device.gateway}, last seen ${age(device.lastSeen)}`);
    const range = (min?: number, max?: number) => (min === undefined && max === undefined ? '' : `${min ?? ''}…${max ?? ''}`);
    const rows = device.points.map((p) => {
      const latest = device.latest[p.name];
      return [p.name, p.type, p.access, latest ? value(latest.value, p.unit) : '-', range(p.min, p.max), latest ? age(latest.t) : ''];
    });
    // Values of points the profile does not name are stored too: show them after the profile's points.
    for (const [name, latest] of Object.entries(device.latest)) {
      if (!device.points.some((p) => p.name === name)) rows.push([name, '?', '?', value(latest.value), '', age(latest.t)]);
    }
    if (rows.length > 0) context.print(table(['POINT', 'TYPE', 'ACCESS', 'VALUE', 'RANGE', 'READ'], rows));
    return EXIT.ok;
  },
};
