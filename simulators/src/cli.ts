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

  afferent-sim run SCENARIO.yaml [--agent-devices FILE] [--broker URL] [--pki DIR]
      start every device of a scenario; optionally write the edge-agent
      "devices:" section for them to FILE
  afferent-sim serve --profile NAME|FILE [--port P] [--count N] [--unit U] [--broker URL] [--pki DIR]
      serve N devices of one profile: Modbus on one port with unit ids U, U+1, …;
      OPC UA and CoAP on ports P, P+1, …; MQTT as clients of the broker

  --broker URL  the MQTT broker of every MQTT device group (overrides the scenario)
  --pki DIR     where OPC UA servers keep their certificates (default .afferent/simulators/pki)
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

/** Every MQTT group publishes to `broker`: a scenario names a placeholder, the site says where its broker is. */
function withBroker(scenario: Scenario, profiles: ReadonlyMap<string, DeviceProfile>, broker: string): Scenario {
  return { ...scenario, devices: scenario.devices.map((group) => (profiles.get(group.profile)?.protocol === 'mqtt' ? { ...group, broker } : group)) };
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
      broker: { type: 'string' },
      pki: { type: 'string', default: '.afferent/simulators/pki' },
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
    const group = { profile: profile.profile, count };
    if (profile.protocol === 'modbus') scenario = { devices: [{ ...group, port: Number(values.port ?? 0), unitId: Number(values.unit ?? 1), unitsPerPort: count }] };
    else if (profile.protocol === 'mqtt') scenario = { devices: [group] };
    else scenario = { devices: [{ ...group, port: Number(values.port ?? 0) }] };
  } else {
    process.stderr.write(USAGE);
    return 2;
  }
  if (values.broker) scenario = withBroker(scenario, profiles, values.broker);
  const problems = checkScenarioProfiles(scenario, profiles);
  if (problems.length > 0) throw new ValidationError('scenario', problems);

  const fleet = await startFleet(scenario, profiles, { pkiDir: values.pki });
  for (const d of fleet.devices) {
    const where = d.unitId !== undefined ? `unit ${d.unitId}` : typeof d.connection.base === 'string' ? `base ${d.connection.base}` : '';
    console.log(`${d.id}\t${d.profile.profile}\t${d.url}\t${where}`);
  }
  if (values['agent-devices']) writeFileSync(values['agent-devices'], stringify({ devices: fleet.agentDevices() }));
  const clients = fleet.devices.filter((d) => d.profile.protocol === 'mqtt').length;
  if (fleet.siteBroker) console.log(`site broker ${fleet.siteBroker.url} (user ${fleet.siteBroker.username})`);
  console.log(`afferent-sim ready: ${fleet.devices.length} devices on ${fleet.servers.length} ports${clients ? ` (${clients} of them MQTT clients)` : ''}`);

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
