import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatProblem, ValidationError } from '@afferent/device-profiles';
import { afterEach, describe, expect, it } from 'vitest';
import { parseHubArgs, UsageError } from './cli-args.js';
import { checkHubConfigFile } from './check-config.js';
import { DEFAULT_HUB_CONFIG, loadHubConfigFile, resolveHubConfig } from './hub-config.js';

describe('hub configuration', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  function file(text: string, name = 'hub.yaml'): string {
    const dir = mkdtempSync(join(tmpdir(), 'afferent-hub-config-'));
    dirs.push(dir);
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  }

  it('fills every default, for no file at all', () => {
    expect(resolveHubConfig()).toEqual({ ...DEFAULT_HUB_CONFIG, dataDir: resolve('.afferent/hub') });
  });

  it('resolves paths in a file against the file\'s folder, and lets flags override', () => {
    const path = file('http: { port: 9000 }\nmqtt: { host: 10.0.0.5 }\ndataDir: data\nprofileDirs: [.]\nlogLevel: debug\ncommands: { defaultExpiry: 30s }\napi: { rateLimit: { window: 10s } }\n');
    const dir = join(path, '..');
    expect(loadHubConfigFile(path)).toEqual({
      http: { host: '0.0.0.0', port: 9000 }, api: { rateLimit: { max: 3000, windowMs: 10_000 } }, mqtt: { host: '10.0.0.5', port: 1883, tlsPort: 8883, plain: true },
      provisioning: { tokenExpiryMs: 86_400_000 }, dataDir: join(dir, 'data'), profileDirs: [dir], logLevel: 'debug', timeseries: DEFAULT_HUB_CONFIG.timeseries,
      commands: { defaultExpiryMs: 30_000, resultTimeoutMs: 30_000 }, alarms: { webhooks: [], rules: [] },
    });
    expect(loadHubConfigFile(path, { host: '127.0.0.1', httpPort: 0, mqttPort: 1884, dataDir: 'elsewhere' })).toMatchObject({
      http: { host: '127.0.0.1', port: 0 }, mqtt: { host: '127.0.0.1', port: 1884 }, dataDir: resolve('elsewhere'),
    });
  });

  it('accepts an empty file', () => {
    expect(loadHubConfigFile(file('# nothing to change\n')).http.port).toBe(8080);
    expect(loadHubConfigFile(file('api: { rateLimit: false }\n')).api.rateLimit).toBeNull();
  });

  it('names file, line, field and what is wrong, for every problem at once', () => {
    const path = file('http:\n  port: 80800\nmqtt:\n  hots: 0.0.0.0\nlogLevel: loud\nprofileDirs: [./missing]\n');
    const error = (() => {
      try {
        loadHubConfigFile(path);
      } catch (e) {
        return e as ValidationError;
      }
      throw new Error('expected a ValidationError');
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.problems.map(formatProblem)).toEqual([
      `${path}:2 http.port: expected a TCP port 0–65535 (0: any free port), got 80800`,
      `${path}:4 mqtt.hots: unknown field; known fields: host, port, tlsPort, plain`,
      `${path}:5 logLevel: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"`,
    ]);
  });

  it('reports a profile folder that does not exist, with its line', () => {
    const path = file('logLevel: info\nprofileDirs:\n  - ./missing\n');
    expect(checkHubConfigFile(path).map(formatProblem)).toEqual([`${path}:3 profileDirs[0]: no such folder: ${join(path, '..', 'missing')}`]);
  });

  it('turns on HTTPS and MQTT over TLS with a tls section, and plain MQTT off unless asked for', () => {
    const path = file('tls: { cert: tls/server.crt, key: tls/server.key, ca: tls/ca.crt }\nadvertisedHost: hub.example.com\nprovisioning: { tokenExpiry: 2h }\n');
    const dir = join(path, '..');
    mkdirSync(join(dir, 'tls'));
    for (const name of ['server.crt', 'server.key', 'ca.crt']) writeFileSync(join(dir, 'tls', name), '');
    expect(loadHubConfigFile(path)).toMatchObject({
      tls: { cert: join(dir, 'tls/server.crt'), key: join(dir, 'tls/server.key'), ca: join(dir, 'tls/ca.crt') },
      mqtt: { port: 1883, tlsPort: 8883, plain: false },
      advertisedHost: 'hub.example.com',
      provisioning: { tokenExpiryMs: 7_200_000 },
    });
    expect(resolveHubConfig({ tls: { cert: 'c', key: 'k' }, mqtt: { plain: true } }).mqtt.plain).toBe(true);
    const bad = file('tls: { cert: nowhere.crt, key: nowhere.key }\n');
    expect(checkHubConfigFile(bad).map(formatProblem)).toEqual([
      `${bad}:1 tls.cert: no such file: ${join(bad, '..', 'nowhere.crt')}`,
      `${bad}:1 tls.key: no such file: ${join(bad, '..', 'nowhere.key')}`,
    ]);
    const plainOff = file('mqtt: { plain: false, tlsPort: 8883 }\n');
    expect(checkHubConfigFile(plainOff).map(formatProblem)).toEqual([
      `${plainOff}:1 mqtt.tlsPort: MQTT over TLS needs tls: { cert, key }`,
      `${plainOff}:1 mqtt.plain: without tls this leaves gateways no MQTT listener at all`,
    ]);
  });

  it('check-config also reports bad profiles in the configured folders', () => {
    const path = file('profileDirs: [profiles]\n');
    mkdirSync(join(path, '..', 'profiles'));
    writeFileSync(join(path, '..', 'profiles', 'bad.yaml'), 'profile: bad\nversion: 0\nprotocol: modbus\npoints: []\n');
    const problems = checkHubConfigFile(path).map(formatProblem);
    expect(problems[0]).toMatch(/profiles\/bad\.yaml:2 version: expected an integer ≥ 1, got 0$/);
  });

  it('reads the timeseries section: store, labels, retention, InfluxDB with a token file relative to the config', () => {
    const path = file([
      'timeseries:',
      '  store: influxdb',
      '  labels: [site, line]',
      '  retention: { raw: 2d, rollup: 30d }',
      '  influx: { url: "http://influx:8086", org: plant, bucket: telemetry, tokenFile: token.txt, flushInterval: 500ms, spillMaxMiB: 64 }',
      '',
    ].join('\n'));
    writeFileSync(join(path, '..', 'token.txt'), 'secret\n');
    expect(loadHubConfigFile(path).timeseries).toEqual({
      store: 'influxdb', labels: ['site', 'line'], retention: { rawMs: 2 * 86_400_000, rollupMs: 30 * 86_400_000 },
      influx: {
        url: 'http://influx:8086', org: 'plant', bucket: 'telemetry', tokenFile: join(path, '..', 'token.txt'),
        batchLines: 5000, flushIntervalMs: 500, concurrency: 2, timeoutMs: 10_000, spillMaxBytes: 64 * 1024 * 1024, backoff: { minMs: 1000, maxMs: 30_000 },
      },
    });
  });

  it('names what is wrong in the timeseries section', () => {
    const path = file([
      'timeseries:',
      '  store: influxdb',
      '  labels: [site, gateway]',
      '  retention: { raw: 30d, rollup: 7d }',
      '  influx: { url: "influx:8086", org: o, bucket: b }',
      '',
    ].join('\n'));
    expect(checkHubConfigFile(path).map(formatProblem)).toEqual([
      `${path}:5 timeseries.influx.url: expected an http:// or https:// URL, e.g. http://influxdb:8086, got "influx:8086"`,
    ]);
    const semantic = file('timeseries:\n  store: influxdb\n  labels: [site, gateway]\n  retention: { raw: 30d, rollup: 7d }\n'
      + '  influx: { url: "http://i:8086", org: o, bucket: b, token: t, tokenFile: missing.txt }\n');
    expect(checkHubConfigFile(semantic).map(formatProblem)).toEqual([
      `${semantic}:3 timeseries.labels[1]: "gateway" is a tag the hub writes or keeps for itself (device, gateway, tenant, time, or starting with _)`,
      `${semantic}:4 timeseries.retention.rollup: keep rollups at least as long as raw samples (30d)`,
      `${semantic}:5 timeseries.influx: give exactly one of token and tokenFile`,
      `${semantic}:5 timeseries.influx.tokenFile: no such file: ${join(semantic, '..', 'missing.txt')}`,
    ]);
    expect(checkHubConfigFile(file('timeseries: { store: influxdb }\n')).map(formatProblem)[0])
      .toMatch(/:1 timeseries.store: store: influxdb needs an influx: section/);
  });

  it('reports broken YAML with its line', () => {
    const problems = checkHubConfigFile(file('http: { port: 8080\n')).map(formatProblem);
    expect(problems[0]).toMatch(/hub\.yaml:\d+: not valid YAML/);
  });
});

describe('command line', () => {
  it('parses run with every flag', () => {
    expect(parseHubArgs(['run', '--config', 'hub.yaml', '--http-port', '0', '--mqtt-port', '1884', '--host', '127.0.0.1', '--data', 'd'])).toEqual({
      command: 'run', configFile: 'hub.yaml', overrides: { httpPort: 0, mqttPort: 1884, host: '127.0.0.1', dataDir: 'd' },
    });
    expect(parseHubArgs(['run'])).toEqual({ command: 'run', overrides: {} });
    expect(parseHubArgs(['run', '--mqtts-port', '0'])).toEqual({ command: 'run', overrides: { mqttTlsPort: 0 } });
    expect(parseHubArgs(['check-config', 'hub.yaml'])).toEqual({ command: 'check-config', configFile: 'hub.yaml' });
    expect(parseHubArgs(['certs', 'generate', '--out', 'tls', '--host', 'hub.example.com,10.0.0.2', '--host', 'localhost', '--days', '90'])).toEqual({
      command: 'certs-generate', out: 'tls', hosts: ['hub.example.com', '10.0.0.2', 'localhost'], days: 90,
    });
    expect(() => parseHubArgs(['certs', 'generate', '--out', 'tls'])).toThrow(/at least one --host/);
    expect(() => parseHubArgs(['run', '--host', 'a', '--host', 'b'])).toThrow(/one bind address/);
  });


  it('says what is wrong with a bad command line', () => {
    expect(() => parseHubArgs(['run', '--http-port', 'eighty'])).toThrow(new UsageError('--http-port: expected a port 0–65535, got "eighty"'));
    expect(() => parseHubArgs(['run', '--bogus'])).toThrow(UsageError);
    expect(() => parseHubArgs(['check-config'])).toThrow(/exactly one FILE/);
    expect(() => parseHubArgs(['serve'])).toThrow(/unknown command "serve"/);
  });
});
