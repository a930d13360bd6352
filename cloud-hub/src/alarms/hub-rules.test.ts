import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatProblem } from '@afferent/device-profiles';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { Registry } from '../registry/registry.js';
import { AlarmStore, type Applied } from './alarm-store.js';
import { compileHubRules, HUB_DEVICE, type HubRule } from './hub-rules-config.js';
import { HubRules } from './hub-rules.js';

const RULE: HubRule = {
  name: 'site_x_meters_offline', select: { labels: { site: 'x' }, profile: 'eastron-sdm120' },
  when: 'offline > 2', clear: 'offline <= 1', severity: 'major', message: '{offline} of {devices} meters of site X offline',
};

describe('hub rules', () => {
  let dir: string;
  let registry: Registry;
  let store: AlarmStore;
  const announced: Applied[] = [];
  const rules = (list: HubRule[] = [RULE]) => new HubRules({ rules: list, registry, store, announce: (a) => announced.push(a), logger: createLogger('silent') });
  /** gw-1 reports these meters of site x unreachable (the others reachable). */
  const health = (unreachable: number[], online = true) => {
    registry.gateways.recordStatus('gw-1', {
      state: online ? 'online' : 'offline',
      devices: Object.fromEntries([1, 2, 3, 4].map((n) => [`m${n}`, { reachable: !unreachable.includes(n), readErrors: 0 }])),
    });
  };
  const transitions = () => announced.map((a) => `${a.entry.event}@${a.entry.t}: ${a.record.message}`);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'afferent-hub-rules-'));
    registry = Registry.open(dir);
    store = new AlarmStore(join(dir, 'alarms.db'));
    announced.length = 0;
    await registry.gateways.create('gw-1', 'default');
    await registry.gateways.create('gw-2', 'default');
    const meter = { profile: 'eastron-sdm120', profileVersion: 1, protocol: 'modbus' as const };
    for (const n of [1, 2, 3, 4]) registry.devices.claim('gw-1', { id: `m${n}`, ...meter, labels: { site: 'x' } });
    registry.devices.claim('gw-1', { id: 'io-1', profile: 'waveshare-modbus-rtu-io-8ch', profileVersion: 1, protocol: 'modbus', labels: { site: 'x' } });
    registry.devices.claim('gw-2', { id: 'm9', ...meter, labels: { site: 'y' } });
    health([]);
  });
  afterEach(() => {
    store.close();
    registry.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('raises over the devices it selects, with hysteresis, as an alarm of the @hub device', () => {
    const evaluator = rules();
    evaluator.tick(1000);
    health([1, 2]);
    evaluator.tick(2000);
    expect(announced).toEqual([]);
    health([1, 2, 3]);
    evaluator.tick(3000);
    expect(announced[0]!.record).toMatchObject({
      device: HUB_DEVICE, gateway: null, alarm: 'site_x_meters_offline', severity: 'major', active: true, raisedValues: { offline: 3, devices: 4 },
    });
    expect(announced[0]!.entry).toMatchObject({ source: 'hub', by: 'rule site_x_meters_offline', t: 3000 });
    health([1, 2]);
    evaluator.tick(4000); // 2 offline: not yet clear (clear: offline <= 1)
    health([], false); // the gateway itself is gone: all four count as offline
    evaluator.tick(5000);
    health([1]);
    evaluator.tick(6000);
    expect(transitions()).toEqual(['raised@3000: 3 of 4 meters of site X offline', 'cleared@6000: 3 of 4 meters of site X offline']);
  });

  it('keeps an active alarm across a restart without raising it again', () => {
    health([1, 2, 3]);
    rules().tick(1000);
    const restarted = rules();
    restarted.tick(2000);
    expect(transitions()).toEqual(['raised@1000: 3 of 4 meters of site X offline']);
    health([]);
    restarted.tick(3000);
    expect(transitions()).toHaveLength(2);
    expect(store.list({ device: HUB_DEVICE, limit: 10 })).toEqual([expect.objectContaining({ active: false, raiseCount: 1 })]);
  });

  it('waits out `for`, and reads device counts over every device when nothing is selected', () => {
    const evaluator = rules([{ name: 'fleet_down', when: 'reachable < devices / 2', for: '10s', severity: 'critical' }]);
    health([1, 2, 3, 4]);
    evaluator.tick(1000);
    evaluator.tick(5000);
    expect(announced).toEqual([]);
    evaluator.tick(11_000);
    expect(announced.map((a) => a.record.raisedValues)).toEqual([{ reachable: 0, devices: 6 }]);
  });

  it('checks rules like profile alarms: the field, the column, what is wrong', () => {
    const { problems } = compileHubRules([RULE, { ...RULE }, { name: 'bad', when: 'ofline > 3', severity: 'minor', message: '{nope}' }]);
    expect(problems.map(formatProblem)).toEqual([
      'alarms.rules[1].name: duplicate rule name "site_x_meters_offline"',
      expect.stringMatching(/^alarms\.rules\[2\]\.when: alarm bad: .*ofline.* in "ofline > 3"$/),
      'alarms.rules[2].message: alarm bad: the message names unknown point {nope}',
    ]);
  });
});
