import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatProblem } from '@afferent/device-profiles';
import { afterEach, describe, expect, it } from 'vitest';
import { checkHubConfigFile } from '../config/check-config.js';
import { loadHubConfigFile } from '../config/hub-config.js';

describe('the alarms section of the hub configuration', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  function file(text: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'afferent-alarm-config-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'hub.yaml'), text);
    return join(dir, 'hub.yaml');
  }

  it('reads webhooks and hub rules', () => {
    const config = loadHubConfigFile(file(`alarms:
  webhooks:
    - { url: "https://ops.example.com/hooks/afferent", severities: [critical, major], events: [raised], secret: "0123456789abcdef" }
    - { url: "http://10.0.0.7:9000/alarms" }
  rules:
    - { name: site_x_offline, select: { labels: { site: x } }, when: "offline > 3", severity: major }
`));
    expect(config.alarms.webhooks).toEqual([
      { url: 'https://ops.example.com/hooks/afferent', severities: ['critical', 'major'], events: ['raised'], secret: '0123456789abcdef' },
      { url: 'http://10.0.0.7:9000/alarms' },
    ]);
    expect(config.alarms.rules).toEqual([{ name: 'site_x_offline', select: { labels: { site: 'x' } }, when: 'offline > 3', severity: 'major' }]);
  });

  it('names the file, line and field of every problem, rules included', () => {
    const path = file(`alarms:
  webhooks:
    - { url: "ftp://example.com", events: [exploded], secret: short }
  rules:
    - { name: too_many, when: "offline > ", severity: major }
`);
    expect(checkHubConfigFile(path).map(formatProblem)).toEqual([
      `${path}:3 alarms.webhooks[0].url: expected an http:// or https:// URL, got "ftp://example.com"`,
      `${path}:3 alarms.webhooks[0].events[0]: expected one of raised, cleared, acked, got "exploded"`,
    ]);
    const next = file(`alarms:
  webhooks:
    - { url: "https://example.com", secret: hunter2 }
  rules:
    - { name: too_many, when: "offline > ", severity: major }
`);
    const problems = checkHubConfigFile(next).map(formatProblem);
    expect(problems).toEqual([
      `${next}:3 alarms.webhooks[0].secret: too short: use at least 16 characters (32 random ones are better)`,
      expect.stringMatching(/hub\.yaml:5 alarms\.rules\[0\]\.when: alarm too_many: .* in "offline > "$/),
    ]);
    expect(problems.join('\n')).not.toContain('hunter2');
  });
});
