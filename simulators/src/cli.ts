#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import {
  BUILTIN_PROFILES_DIR, ValidationError, formatProblem, loadProfileFile, loadProfileLibrary, type DeviceProfile,
} from '@afferent/device-profiles';
import { checkScenarioProfiles, loadScenarioFile, type Scenario } from './fleet/scenario.js';
import { startFleet } from './fleet/fleet.js';

const USAGE = `afferent-sim: field devices in software

  afferent-sim run SCENARIO.yaml [--agent-devices FILE]
      start every device of a scenario; optionally write the edge-agent
      "devices:" section for them to FILE
  afferent-sim serve --profile NAME|FILE [--port P] [--unit U] [--count N]
      serve N devices of one profile on one port, unit ids U, U+1, …
`;

function profilesFor(dirs: readonly string[] = []): Map<string, DeviceProfile> {
  const profiles = new Map<string, DeviceProfile>();
  for (const dir of [BUILTIN_PROFILES_DIR, ...dirs]) {
    const library = loadProfileLibrary(dir);
    for (const problem of library.problems) console.error(`warning: ${formatProblem(problem)}`);
    for (const [name, profile] of library.profiles) profiles.set(name, profile);
  }
  return profiles;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      'agent-devices': { type: 'string' },
      profile: { type: 'string' },
      port: { type: 'string' },
      unit: { type: 'string' },
      count: { type: 'string' },
    },
  });
  let scenario: Scenario;
  let profiles: Map<string, DeviceProfile>;
  if (command === 'run' && positionals[0]) {
    scenario = loadScenarioFile(positionals[0]);
    profiles = profilesFor(scenario.profileDirs);
  } else if (command === 'serve' && values.profile) {
    profiles = profilesFor();
    const profile = /\.ya?ml$/.test(values.profile) ? loadProfileFile(values.profile) : profiles.get(values.profile);
    if (!profile) throw new Error(`unknown profile "${values.profile}"; known: ${[...profiles.keys()].join(', ')}`);
    profiles.set(profile.profile, profile);
    const count = Number(values.count ?? 1);
    scenario = { devices: [{ profile: profile.profile, count, port: Number(values.port ?? 0), unitId: Number(values.unit ?? 1), unitsPerPort: count }] };
  } else {
    process.stderr.write(USAGE);
    return 2;
  }
  const problems = checkScenarioProfiles(scenario, profiles);
  if (problems.length > 0) throw new ValidationError('scenario', problems);

  const fleet = await startFleet(scenario, profiles);
  for (const d of fleet.devices) console.log(`${d.id}\t${d.profile.profile}\t${d.url}\tunit ${d.unitId}`);
  if (values['agent-devices']) writeFileSync(values['agent-devices'], stringify({ devices: fleet.agentDevices() }));
  console.log(`afferent-sim ready: ${fleet.devices.length} devices on ${fleet.servers.length} ports`);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await fleet.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
