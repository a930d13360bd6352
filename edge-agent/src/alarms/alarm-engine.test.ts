import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProfileLibrary, type AlarmTransition, type DeviceInstance } from '@afferent/device-profiles';
import { Outbox } from '../outbox/outbox.js';
import { tempDirs } from '../test-support/temp-dir.js';
import { AlarmEngine } from './alarm-engine.js';

const dirs = tempDirs();
const opened: Outbox[] = [];
afterEach(() => {
  for (const outbox of opened.splice(0)) outbox.close();
  dirs.cleanup();
});

const sdm120 = loadProfileLibrary().profiles.get('eastron-sdm120')!;
const meter: DeviceInstance = { id: 'meter-1', profile: 'eastron-sdm120', connection: { url: 'tcp://127.0.0.1:1502' } };
const log = pino({ level: 'silent' });

function openEngine(dir: string, instance: DeviceInstance = meter, now = () => 0) {
  const outbox = new Outbox(dir, { maxBytes: 1 << 30, maxAgeMs: 86_400_000 });
  opened.push(outbox);
  let notified = 0;
  const engine = new AlarmEngine({ targets: [{ instance, profile: sdm120 }], outbox, stored: () => notified++, log, now });
  return { engine, outbox, notified: () => notified };
}

const alarmsIn = (outbox: Outbox) =>
  outbox.nextToSend(100).filter((b) => b.kind === 'alarms').flatMap((b) => JSON.parse(b.body) as AlarmTransition[]);

describe('alarm engine', () => {
  it('raises at the edge into the outbox, ahead of the telemetry backlog', () => {
    const { engine, outbox, notified } = openEngine(dirs.make());
    outbox.append('telemetry', [{ d: 'meter-1', t: 1, v: { voltage: 230 } }]);
    engine.sample('meter-1', 1000, { voltage: 255 });
    expect(alarmsIn(outbox)).toEqual([]); // the profile says `for: 5s`
    engine.sample('meter-1', 6000, { voltage: 256 });
    expect(alarmsIn(outbox)).toEqual([
      { d: 'meter-1', alarm: 'overvoltage', t: 6000, state: 'raised', severity: 'major', message: 'Voltage 256 V above the EN 50160 limit of 253 V', values: { voltage: 256 } },
    ]);
    expect(outbox.nextToSend(10).map((b) => b.kind)).toEqual(['alarms', 'telemetry']);
    expect(notified()).toBe(1);
    expect(engine.active()).toEqual({ 'meter-1': { overvoltage: { since: 6000, values: { voltage: 256 } } } });
  });

  it('remembers active alarms across a restart: no second raise, and the clear still comes', () => {
    const dir = dirs.make();
    const first = openEngine(dir);
    first.engine.sample('meter-1', 0, { voltage: 260 });
    first.engine.tick(5000);
    first.outbox.close();

    const second = openEngine(dir, meter, () => 10_000);
    const before = alarmsIn(second.outbox).length;
    second.engine.sample('meter-1', 11_000, { voltage: 261 });
    second.engine.tick(20_000);
    expect(alarmsIn(second.outbox)).toHaveLength(before);
    second.engine.sample('meter-1', 21_000, { voltage: 240 });
    expect(alarmsIn(second.outbox).map((a) => a.state)).toEqual(['raised', 'cleared']);
  });

  it('applies per-device overrides from the gateway configuration', () => {
    const { engine, outbox } = openEngine(dirs.make(), { ...meter, alarms: { overvoltage: { when: 'voltage > 240', for: '0s' }, undervoltage: { enabled: false } } });
    engine.sample('meter-1', 0, { voltage: 241 });
    engine.sample('meter-1', 1000, { voltage: 100 });
    expect(alarmsIn(outbox).map((a) => `${a.alarm}:${a.state}`)).toEqual(['overvoltage:raised', 'overvoltage:cleared']);
  });

  it('keeps transitions the outbox refused and stores them once it accepts again', () => {
    const dir = dirs.make();
    const outbox = new Outbox(dir, { maxBytes: 1 << 30, maxAgeMs: 86_400_000 });
    opened.push(outbox);
    let refuse = true;
    const flaky = {
      activeAlarms: () => outbox.activeAlarms(),
      appendAlarms: (t: readonly AlarmTransition[]) => {
        if (refuse) throw new Error('disk full');
        return outbox.appendAlarms(t);
      },
    };
    const e = new AlarmEngine({ targets: [{ instance: { ...meter, alarms: { overvoltage: { for: '0s' } } }, profile: sdm120 }], outbox: flaky, stored: () => {}, log, now: () => 0 });
    e.sample('meter-1', 0, { voltage: 260 });
    expect(alarmsIn(outbox)).toEqual([]);
    refuse = false;
    e.tick(1000);
    expect(alarmsIn(outbox).map((a) => a.state)).toEqual(['raised']);
  });
});
