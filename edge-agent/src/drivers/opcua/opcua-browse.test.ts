import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isReadable, loadProfileLibrary, parseProfile } from '@afferent/device-profiles';
import { startOpcuaSimulator, type OpcuaSimulator } from '@afferent/simulators';
import { browseOpcua } from '../../commands/browse-opcua.js';
import { tempDirs } from '../../test-support/temp-dir.js';
import { createOpcuaDriver } from './opcua-driver.js';

const BOILER = loadProfileLibrary().profiles.get('opcua-boiler')!;
const dirs = tempDirs('afferent-opcua-browse-');
let sim: OpcuaSimulator;
beforeAll(async () => {
  sim = await startOpcuaSimulator({ pkiDir: dirs.make(), devices: [{ id: 'boiler-1', profile: BOILER }] });
});
afterAll(async () => {
  await sim.close();
  dirs.cleanup();
});

async function run(args: string[]) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c: Buffer) => (stdout += c.toString()));
  err.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await browseOpcua(args, out, err);
  return { code, stdout, stderr };
}

describe('edge-agent browse opcua', () => {
  it('lists the variables with DataType and access, and drafts a valid profile the driver can read', async () => {
    const dir = dirs.make();
    const file = join(dir, 'draft.yaml');
    const result = await run(['--endpoint', sim.endpointUrl, '--data', dir, '--profile-draft', file, '--profile-name', 'boiler-draft']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('nsu=http://opcfoundation.org/UA/Boiler/;s=Boiler1.LevelController.SetPoint\tDouble\trw\t');
    expect(result.stdout).toContain('nsu=http://opcfoundation.org/UA/Boiler/;s=Boiler1.OperatingHours\tUInt32\tr\t');
    expect(result.stdout).toMatch(/^wrote .*draft\.yaml: profile boiler-draft with 9 points$/m);

    const draft = parseProfile(readFileSync(file, 'utf8'), file);
    const byNode = new Map(draft.points.map((p) => [p.opcua!.nodeId, p]));
    for (const point of BOILER.points) {
      const drafted = byNode.get(point.opcua!.nodeId);
      // The enum's raw integer is an Int32; the draft cannot know the labels.
      expect(drafted, point.name).toMatchObject({ type: point.type, ...(point.access === 'rw' && { access: 'rw' }) });
      // The device's folder every variable shares is left out of the names.
      expect(drafted!.name).toBe(point.name);
    }
    const driver = createOpcuaDriver({ dataDir: dir });
    try {
      const session = driver.open({ profile: draft, instance: { id: 'drafted', profile: draft.profile, connection: { url: sim.endpointUrl } } });
      const results = await session.read(draft.points.filter(isReadable));
      expect([...results.values()].every((r) => 'raw' in r)).toBe(true);
    } finally {
      await driver.close();
    }
  });

  it('starts at a given node and stops at the depth asked for', async () => {
    const dir = dirs.make();
    const deep = await run(['--endpoint', sim.endpointUrl, '--data', dir, '--depth', '1']);
    expect(deep.stdout).toBe('0 variables\n');
    expect((await run(['--endpoint', sim.endpointUrl, '--data', dir, '--root', 'nsu=http://opcfoundation.org/UA/Boiler/;s=Boiler1.Drum.Level'])).stdout).toBe('0 variables\n');
    expect((await run(['--data', dir])).code).toBe(2);
  });
});
