import { readFileSync } from 'node:fs';
import { parseDuration } from '@afferent/device-profiles';
import { parseDocument } from 'yaml';
import { UsageError, type CliCommand, type CliContext } from './cli-command.js';
import type { GatewayConfigView } from './config-view.js';
import { EXIT } from './hub-client.js';

const POLL_MS = { first: 100, max: 1000 } as const;

export const configPushCommand: CliCommand = {
  usage: 'config push GW FILE.yaml [--wait 60s | --no-wait]',
  summary: 'set a gateway\'s devices from a YAML file (a devices: list, as in an agent\'s config) and wait until it applied or refused them',
  options: { wait: { type: 'string' }, 'no-wait': { type: 'boolean' } },
  async run(context, args, values) {
    if (args.length !== 2) throw new UsageError('config push needs a gateway ID and a FILE');
    const [gateway, file] = args as [string, string];
    const devices = readDevices(file);
    const waitMs = values['no-wait'] === true ? 0 : parseWait(values.wait);
    const path = `/api/v1/gateways/${encodeURIComponent(gateway)}/config`;
    const pushed = await context.hub.put<GatewayConfigView>(path, { devices });
    const version = pushed.desired!.version;
    if (!context.json) context.print(`${gateway}: config v${version} stored (${pushed.desired!.deviceCount} devices)`);
    if (waitMs === 0) {
      if (context.json) context.print(JSON.stringify(pushed, null, 2));
      return EXIT.ok;
    }
    context.progress(`waiting for ${gateway} to apply v${version}…`);
    const view = await waitForReport(context, path, version, waitMs);
    if (context.json) context.print(JSON.stringify(view, null, 2));
    const last = view.reported.last;
    if (view.reported.applied === version) {
      if (!context.json) context.print(`${gateway}: v${version} applied`);
      return EXIT.ok;
    }
    if (last?.version === version && last.state === 'rejected') {
      if (!context.json) context.print(`${gateway}: v${version} rejected, still running ${view.reported.applied ? `v${view.reported.applied}` : 'its previous config'}:\n${last.error ?? 'no reason given'}`);
      return EXIT.notDone;
    }
    if (!context.json) context.print(`${gateway}: v${version} not confirmed within ${waitMs / 1000} s (is the gateway online?); it applies it when it connects: see afferent gateway ${gateway}`);
    return EXIT.notDone;
  },
};

/** The `devices` of a YAML file: a list, or a mapping with a `devices:` list (an agent's configuration file). */
function readDevices(file: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const document = parseDocument(text, { prettyErrors: false });
  if (document.errors.length > 0) throw new UsageError(`${file}: not valid YAML: ${document.errors[0]!.message.split('\n')[0]}`);
  const value: unknown = document.toJS();
  if (Array.isArray(value)) return value;
  const devices = (value as { devices?: unknown } | null)?.devices;
  if (!Array.isArray(devices)) throw new UsageError(`${file}: expected a devices: list`);
  return devices;
}

function parseWait(text: string | string[] | boolean | undefined): number {
  if (typeof text !== 'string') return 60_000;
  try {
    return parseDuration(text);
  } catch {
    throw new UsageError(`--wait: expected a duration such as 60s, got ${JSON.stringify(text)}`);
  }
}

/** Poll the gateway's config until it reports on `version`, or `waitMs` passes. */
async function waitForReport(context: CliContext, path: string, version: number, waitMs: number): Promise<GatewayConfigView> {
  const giveUpAt = Date.now() + waitMs;
  let delay: number = POLL_MS.first;
  for (;;) {
    const view = await context.hub.get<GatewayConfigView>(path);
    if (view.reported.applied === version || view.reported.last?.version === version || Date.now() > giveUpAt) return view;
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, POLL_MS.max);
  }
}
