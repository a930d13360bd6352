import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { POINT_CODECS, loadProfileLibrary } from '@afferent/device-profiles';
import { startProcess, type RunningProcess } from '@afferent/testkit';
import { startCoapSimulator, type CoapSimulator } from './coap-simulator.js';

/** Debian's libcoap3-bin client: a third-party CoAP stack reads, observes and writes the simulator. */
const COAP_CLIENT = 'coap-client-notls';
const run = promisify(execFile);
const envSenml = loadProfileLibrary().profiles.get('coap-env-senml')!;
const point = (name: string) => envSenml.points.find((p) => p.name === name)!;

let simulator: CoapSimulator | undefined;
let observer: RunningProcess | undefined;
let dir: string | undefined;
afterEach(async () => {
  await observer?.stop();
  observer = undefined;
  await simulator?.close();
  simulator = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function serve(): Promise<CoapSimulator> {
  simulator = await startCoapSimulator({ devices: [{ id: 'node-7', profile: envSenml }] });
  return simulator;
}

describe('CoAP interop (libcoap coap-client)', () => {
  it('reads a SenML CBOR pack and a text resource', async () => {
    const sim = await serve();
    sim.device().set('temperature', 21.25);
    sim.device().set('battery', 2875);
    dir = mkdtempSync(join(tmpdir(), 'coap-interop-'));
    const file = join(dir, 'env.cbor');
    await run(COAP_CLIENT, ['-B', '5', '-m', 'get', '-A', '112', '-o', file, `${sim.url}/env`]);
    expect(POINT_CODECS.coap.decode(envSenml, point('temperature'), { payload: readFileSync(file), format: 'senml+cbor' })).toBe(21.25);
    const battery = await run(COAP_CLIENT, ['-B', '5', '-m', 'get', `${sim.url}/bat`]);
    expect(battery.stdout.trim()).toBe('2875');
  });

  it('writes with PUT, and gets 4.00 with a diagnostic for a bad value', async () => {
    const sim = await serve();
    await run(COAP_CLIENT, ['-B', '5', '-m', 'put', '-t', 'text/plain', '-e', 'true', `${sim.url}/led`]);
    expect(sim.device().get('led')).toBe(true);
    const bad = await run(COAP_CLIENT, ['-B', '5', '-m', 'put', '-e', 'maybe', `${sim.url}/led`]);
    expect(`${bad.stdout}${bad.stderr}`).toMatch(/4\.00.*a bool cannot be "maybe"/s);
    expect(sim.device().get('led')).toBe(true);
    expect(sim.device().writes).toBe(1);
  });

  it('observes a resource and sees it change', async () => {
    const sim = await serve();
    sim.device().set('battery', 3000);
    observer = startProcess(COAP_CLIENT, ['-s', '20', '-B', '25', '-w', '-m', 'get', `${sim.url}/bat`]);
    await observer.waitForLine(/^3000$/);
    sim.device().set('battery', 2990);
    await observer.waitForLine(/^2990$/);
  });

  it('stays silent under a no-answer fault, and answers once it clears', async () => {
    const sim = await serve();
    sim.setFault({ kind: 'no-answer' });
    const silent = await run(COAP_CLIENT, ['-B', '1', '-m', 'get', `${sim.url}/bat`]).catch((error: { stdout: string }) => error);
    expect(silent.stdout.trim()).toBe('');
    expect(sim.device().reads).toBe(0);
    sim.setFault(undefined);
    expect((await run(COAP_CLIENT, ['-B', '5', '-m', 'get', `${sim.url}/bat`])).stdout.trim()).toBe('0');
  });
});
