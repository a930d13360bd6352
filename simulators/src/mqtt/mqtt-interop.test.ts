import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProfileLibrary } from '@afferent/device-profiles';
import { startProcess, type RunningProcess } from '@afferent/testkit';
import { waitFor } from '@afferent/testkit';
import { freePort } from '../device/free-port.js';
import { startMqttDevice, type MqttDevice } from './mqtt-device.js';

/** Debian's mosquitto broker and clients: a third-party MQTT stack carries the simulated plug. */
const run = promisify(execFile);
const plug = loadProfileLibrary().profiles.get('tasmota-smart-plug')!;

let mosquitto: RunningProcess | undefined;
let device: MqttDevice | undefined;
let dir: string | undefined;
afterEach(async () => {
  await device?.close();
  device = undefined;
  await mosquitto?.stop();
  mosquitto = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function startMosquitto(): Promise<number> {
  const port = await freePort();
  dir = mkdtempSync(join(tmpdir(), 'mosquitto-'));
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(config, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n`);
  mosquitto = startProcess('/usr/sbin/mosquitto', ['-c', config]);
  await mosquitto.waitForLine(/mosquitto version .* running/);
  return port;
}

describe('MQTT interop (mosquitto broker and clients)', () => {
  it('publishes through mosquitto and takes a command from mosquitto_pub', async () => {
    const port = await startMosquitto();
    device = await startMqttDevice({ brokerUrl: `mqtt://127.0.0.1:${port}`, profile: plug, id: 'plug-9', retain: true, signals: { voltage: { kind: 'constant', value: 231 } } });
    // Retained, so a subscriber that comes later still gets the last state.
    const sensor = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-t', 'tele/plug-9/SENSOR', '-C', '1', '-W', '10']);
    expect(JSON.parse(sensor.stdout).ENERGY.Voltage).toBe(231);
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-t', 'cmnd/plug-9/POWER', '-m', 'ON']);
    await waitFor('the relay switched', () => device!.device.get('relay') === true);
    const retained = async () => (await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-t', 'stat/plug-9/POWER', '-C', '1', '-W', '10'])).stdout.trim();
    await waitFor('the new relay state, retained', async () => (await retained()) === 'ON');
  });
});
