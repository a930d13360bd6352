// `npm start`: the whole stack on loopback with simulated devices.
// Hub, simulated field and edge agent run as child processes, exactly as they
// would be deployed, over TLS with a CA made for the demo: the gateway is
// created with the afferent CLI and provisioned with `edge-agent provision`.
// Ctrl-C stops everything cleanly.
//
// AFFERENT_DEMO_DIR (default .afferent/demo) moves the working folder, and
// AFFERENT_DEMO_PORTS=any takes free ports instead of 8080 and 8883: the
// end-to-end test runs the demo that way.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const workDir = process.env.AFFERENT_DEMO_DIR ?? join(root, '.afferent', 'demo');
const anyPort = process.env.AFFERENT_DEMO_PORTS === 'any';
const logDir = join(workDir, 'logs');
const children = [];

async function portFree(port) {
  return new Promise((resolve) => {
    const server = createServer().once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function pickPort(preferred) {
  if (!anyPort && await portFree(preferred)) return preferred;
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!anyPort) console.log(`  port ${preferred} is taken; using ${port}`);
  return port;
}

/** Run one of the CLIs to the end; its stdout, or an error with what it said. */
function runTo(script, args, env = {}) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(root, script), ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${script} ${args[0]} failed:\n${stderr || stdout}`));
      else resolve(stdout);
    });
  });
}

/** Start a child, log its output to a file, resolve when it prints its ready line. */
function start(name, script, args, ready, env = {}) {
  const log = createWriteStream(join(logDir, `${name}.log`));
  const child = spawn(process.execPath, [join(root, script), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push({ name, child });
  let seen = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk) => {
      log.write(chunk);
      if (seen !== null) {
        seen += chunk.toString();
        const match = seen.match(ready);
        if (match) {
          seen = null;
          resolve(match);
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => {
      if (seen !== null) reject(new Error(`${name} exited (${code ?? signal}) before it was ready; see ${join(logDir, `${name}.log`)}:\n${seen.slice(-2000)}`));
      else if (!stopping) console.error(`${name} exited (${code ?? signal}); see ${join(logDir, `${name}.log`)}`);
    });
  });
}

let stopping = false;
async function stopAll() {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping…');
  // Agent first so it flushes to its outbox while the hub is still up.
  for (const { child } of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGTERM');
    await new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

async function main() {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  const token = process.env.AFFERENT_ADMIN_TOKEN ?? randomBytes(24).toString('base64url');
  const httpPort = await pickPort(8080);
  const mqttPort = await pickPort(8883);

  console.log('starting the simulated field…');
  const devicesFile = join(workDir, 'devices.yaml');
  await start('simulators', 'simulators/dist/cli.js', ['run', join(root, 'simulators/scenarios/demo.yaml'), '--agent-devices', devicesFile], /afferent-sim ready/);

  console.log('making a CA and a certificate for the hub…');
  const tlsDir = join(workDir, 'tls');
  await runTo('cloud-hub/dist/cli.js', ['certs', 'generate', '--out', tlsDir, '--host', '127.0.0.1', '--host', 'localhost']);
  const ca = join(tlsDir, 'ca.crt');

  console.log('starting the hub…');
  const hubConfig = join(workDir, 'hub.yaml');
  writeFileSync(hubConfig, stringify({
    tls: { cert: join(tlsDir, 'server.crt'), key: join(tlsDir, 'server.key'), ca },
    http: { host: '127.0.0.1', port: httpPort },
    mqtt: { host: '127.0.0.1', tlsPort: mqttPort },
    advertisedHost: '127.0.0.1',
    dataDir: join(workDir, 'hub'),
    logLevel: 'warn',
  }));
  const [, apiUrl] = await start('hub', 'cloud-hub/dist/cli.js', ['run', '--config', hubConfig], /afferent hub ready: api (\S+)/, { AFFERENT_ADMIN_TOKEN: token });
  const cli = { AFFERENT_URL: apiUrl, AFFERENT_TOKEN: token, AFFERENT_CA: ca };

  console.log('creating the gateway and provisioning the edge agent…');
  const created = JSON.parse(await runTo('cloud-hub/dist/operator-cli.js', ['gateways', 'create', 'demo-gw', '--name', 'Demo gateway', '--label', 'site=demo', '--json'], cli));
  const agentConfig = join(workDir, 'agent.yaml');
  const { devices } = parse(readFileSync(devicesFile, 'utf8'));
  // The devices come from the simulators; gateway id, hub address and credentials from provisioning.
  writeFileSync(agentConfig, stringify({ status: { host: '127.0.0.1', port: 0 }, logLevel: 'warn', devices }));
  await runTo('edge-agent/bundle/cli.mjs', ['provision', '--hub', created.provisioning.hub, '--token', created.provisioning.token,
    '--config', agentConfig, '--data', join(workDir, 'agent')]);

  console.log('starting the edge agent…');
  const [, statusUrl] = await start('agent', 'edge-agent/bundle/cli.mjs', ['run', '--config', agentConfig], /afferent agent ready: .*status (\S+)/);

  console.log(`
Afferent is running: ${devices.length} simulated devices (Modbus, OPC UA, CoAP, MQTT) → edge agent → hub, over TLS.

  API        ${apiUrl}/api/v1/devices
  API docs   ${apiUrl}/docs
  token      ${token}
  CA         ${ca}
  agent      ${statusUrl}/healthz   ${statusUrl}/metrics
  logs       ${logDir}

  curl --cacert ${ca} -H "Authorization: Bearer ${token}" ${apiUrl}/api/v1/devices

  export AFFERENT_URL=${apiUrl} AFFERENT_TOKEN=${token} AFFERENT_CA=${ca}
  node cloud-hub/dist/operator-cli.js fleet
  node cloud-hub/dist/operator-cli.js gateways create gw-2     # prints the one command that provisions a second gateway

Ctrl-C stops everything.`);
}

process.once('SIGINT', () => stopAll().then(() => process.exit(0)));
process.once('SIGTERM', () => stopAll().then(() => process.exit(0)));
main().catch(async (error) => {
  console.error(error.message);
  await stopAll();
  process.exit(1);
});
