import { execFile } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningHub } from '../hub.js';
import { TestBed } from '../test-support/test-hub.js';
import { waitFor } from '@afferent/testkit';

/**
 * The same access rules seen through a third-party client: Debian's
 * mosquitto_pub / mosquitto_sub (package mosquitto-clients), MQTT 3.1.1.
 */

interface Outcome {
  code: number;
  output: string;
}

function mosquitto(tool: 'mosquitto_pub' | 'mosquitto_sub', hub: RunningHub, args: string[]): Promise<Outcome> {
  const port = new URL(hub.mqttUrl).port;
  return new Promise((resolve, reject) => {
    execFile(`/usr/bin/${tool}`, ['-h', '127.0.0.1', '-p', port, '-V', 'mqttv311', ...args], { timeout: 15_000 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error(`${tool} is not installed (apt-get install mosquitto-clients)`));
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

describe('MQTT access control with mosquitto clients', () => {
  const bed = new TestBed();
  afterEach(() => bed.cleanup());

  async function setUp() {
    const hub = await bed.hub();
    const a = await bed.gateway(hub, 'gw-a');
    const b = await bed.gateway(hub, 'gw-b');
    return { hub, a, b };
  }

  it('a gateway with its credentials publishes a batch that is stored', async () => {
    const { hub, a } = await setUp();
    const batch = { epoch: 'mosquitto-1', seq: 1, readings: [{ d: 'meter-m', t: 1_700_000_000_000, v: { voltage: 230.5 } }] };
    const result = await mosquitto('mosquitto_pub', hub, ['-u', 'gw-a', '-P', a, '-q', '1', '-t', 'v1/gw/gw-a/telemetry', '-m', JSON.stringify(batch)]);
    expect(result).toEqual({ code: 0, output: '' });
    await waitFor('meter-m registered from telemetry', () => hub.registry.devices.get('meter-m'));
  });

  it('refuses anonymous, unknown, wrong-password and disabled clients', async () => {
    const { hub, a, b } = await setUp();
    hub.registry.gateways.setEnabled('gw-b', false);
    const sub = (auth: string[]) => mosquitto('mosquitto_sub', hub, [...auth, '-t', 'v1/gw/gw-a/ack', '-C', '1', '-W', '5']);

    const anonymous = await sub([]);
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.output).toMatch(/Connection Refused: not authorised/);

    const wrong = await sub(['-u', 'gw-a', '-P', 'wrong-password']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.output).toMatch(/Connection Refused: bad user name or password/);

    const unknown = await sub(['-u', 'gw-unknown', '-P', a]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.output).toMatch(/Connection Refused: bad user name or password/);

    const disabled = await sub(['-u', 'gw-b', '-P', b]);
    expect(disabled.code).not.toBe(0);
    expect(disabled.output).toMatch(/Connection Refused: not authorised/);
  });

  it('denies subscribing to another gateway\'s topics', async () => {
    const { hub, a } = await setUp();
    for (const topic of ['v1/gw/gw-b/ack', 'v1/gw/+/cmd', '#']) {
      const result = await mosquitto('mosquitto_sub', hub, ['-u', 'gw-a', '-P', a, '-q', '1', '-t', topic, '-C', '1', '-W', '5']);
      expect(result.output, topic).toMatch(/All subscription requests were denied/);
    }
    expect((await hub.metrics.refusedSubscriptions.get()).values[0]?.value).toBe(3);
  });

  it('drops a publish to another gateway\'s topic', async () => {
    const { hub, a } = await setUp();
    const batch = { epoch: 'mosquitto-1', seq: 1, readings: [{ d: 'spoofed', t: 1, v: { x: 1 } }] };
    const result = await mosquitto('mosquitto_pub', hub, ['-u', 'gw-a', '-P', a, '-q', '1', '-t', 'v1/gw/gw-b/telemetry', '-m', JSON.stringify(batch)]);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/connection was lost/i);
    expect((await hub.metrics.refusedPublishes.get()).values[0]?.value).toBe(1);
    expect(hub.registry.devices.get('spoofed')).toBeUndefined();
  });
});
