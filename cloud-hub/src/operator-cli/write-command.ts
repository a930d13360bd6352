import type { DeviceProfile } from '@afferent/device-profiles';
import type { DeviceDetailView } from '../api/api-schemas.js';
import type { CommandRecord } from '../commands/command-record.js';
import { UsageError, type CliCommand } from './cli-command.js';
import { reportOutcome, waitForOutcome } from './command-outcome.js';

export const writeCommand: CliCommand = {
  usage: 'write ID point=value … [--no-readback] [--expires 30s] [--key IDEMPOTENCY_KEY]',
  summary: 'write points of a device and wait for the outcome: done and read back, failed and why, or expired',
  options: { 'no-readback': { type: 'boolean' }, expires: { type: 'string' }, key: { type: 'string' } },
  async run(context, args, values) {
    const [id, ...words] = args;
    if (!id || words.length === 0) throw new UsageError('write needs a device ID and at least one point=value');
    const path = `/api/v1/devices/${encodeURIComponent(id)}`;
    const device = await context.hub.get<DeviceDetailView>(path);
    if (!device.profileKnown) throw new UsageError(`device ${id} has profile ${device.profile}, which the hub does not know: it cannot be written`);
    const profile = await context.hub.get<DeviceProfile>(`/api/v1/profiles/${encodeURIComponent(device.profile)}`);
    // Loaded here, not at start: the profile library's code costs the other commands half a second.
    const { parsePointValues } = await import('./point-values.js');
    const body = {
      write: parsePointValues(profile, words),
      readback: values['no-readback'] !== true,
      ...(typeof values.expires === 'string' ? { expiresIn: values.expires } : {}),
      ...(typeof values.key === 'string' ? { idempotencyKey: values.key } : {}),
    };
    const submitted = await context.hub.post<CommandRecord>(`${path}/commands`, body);
    const record = await waitForOutcome(context, submitted);
    return reportOutcome(context, record, new Map(profile.points.map((p) => [p.name, p.unit])));
  },
};
