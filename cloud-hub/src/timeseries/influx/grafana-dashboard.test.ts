import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** deploy/grafana/afferent-influxdb.json must stay valid and match the layout the hub writes. */
const DASHBOARD = fileURLToPath(new URL('../../../../deploy/grafana/afferent-influxdb.json', import.meta.url));

interface Dashboard {
  uid: string;
  templating: { list: { name: string; query: string }[] };
  panels: { title: string; targets: { query: string }[] }[];
}

describe('Grafana dashboard for the InfluxDB layout', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
  const variables = new Set(dashboard.templating.list.map((v) => v.name));
  const queries = [...dashboard.templating.list.map((v) => v.query), ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.query))];

  it('uses only variables it defines', () => {
    for (const query of queries) {
      for (const [, name] of query.matchAll(/\$\{(\w+)(?::\w+)?\}/g)) if (!name!.startsWith('__')) expect(variables, query).toContain(name);
    }
  });

  it('selects by the measurement (profile), the device tag and the fields (points) the hub writes', () => {
    for (const panel of dashboard.panels) {
      const [query] = panel.targets.map((t) => t.query);
      expect(query, panel.title).toContain('r._measurement == "${profile}"');
      expect(query, panel.title).toContain('contains(value: r.device, set: ${device:json})');
      expect(query, panel.title).toContain('contains(value: r._field, set: ${point:json})');
    }
    expect(dashboard.uid).toBe('afferent-telemetry');
  });
});
