import { afterEach, describe, expect, it } from 'vitest';
import { loadProfileLibrary } from '@afferent/device-profiles';
import {
  startModbusRtuSimulator, startModbusSimulator, startPtyPair, type ModbusServerBase, type PtyPair,
} from '@afferent/simulators';
import { parseScanArgs, scanModbusCommand } from './scan-modbus.js';

const XY_MD02 = loadProfileLibrary().profiles.get('xy-md02')!;
const servers: ModbusServerBase[] = [];
const pairs: PtyPair[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(pairs.splice(0).map((p) => p.close()));
});

/** Run the command in process, capturing what it prints. */
async function scan(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await scanModbusCommand(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

describe('edge-agent scan modbus', () => {
  it('scans a TCP gateway: progress on stderr, a table on stdout', async () => {
    const sim = await startModbusSimulator({ devices: [{ unitId: 2, profile: XY_MD02 }, { unitId: 3, profile: XY_MD02 }] });
    servers.push(sim);
    sim.setFault({ kind: 'exception', code: 1 }, 3);
    const { code, stdout, stderr } = await scan('--host', '127.0.0.1', '--port', String(sim.port), '--units', '1-3', '--ranges', 'input:0-9,holding:256-263');
    expect(code).toBe(0);
    expect(stderr).toBe('unit 1 (1/3)… 0 found\nunit 2 (2/3)… 0 found\nunit 3 (3/3)… 1 found\n');
    expect(stdout).toBe([
      `tcp://127.0.0.1:${sim.port}: 2 of 3 unit ids answer`,
      'unit  probe         readable                    no answer',
      '2     exception 02  holding 257-260; input 1-2',
      '3     exception 01  -',
      '',
    ].join('\n'));
  });

  it('scans a serial bus, and prints JSON with --json', async () => {
    const pair = await startPtyPair();
    pairs.push(pair);
    const sim = await startModbusRtuSimulator({ path: pair.device, baudRate: 19200, parity: 'even', devices: [{ unitId: 7, profile: XY_MD02 }] });
    servers.push(sim);
    const table = await scan('--serial', pair.client, '--baud', '19200', '--parity', 'even', '--units', '6-8', '--ranges', 'input:1-2', '--timeout', '200ms');
    expect(table.stdout).toBe(`rtu:${pair.client} at 19200 8E1: 1 of 3 unit ids answer\nunit  probe  readable   no answer\n7     data   input 1-2\n`);
    const json = await scan('--serial', pair.client, '--baud', '19200', '--parity', 'even', '--units', '7', '--ranges', 'input:1-2', '--json');
    expect(JSON.parse(json.stdout)).toEqual({
      url: `rtu:${pair.client}`, scanned: 1, garbled: [],
      units: [{ unitId: 7, probe: 'data', readable: [{ table: 'input', from: 1, to: 2 }], silent: [] }],
    });
  });

  it('says what is wrong with the arguments, and when the line cannot be opened', async () => {
    const problems = [
      [['--host', 'h', '--serial', '/dev/ttyUSB0'], 'give --host (Modbus TCP) or --serial (Modbus RTU), one of them'],
      [['--host', 'h', '--baud', '9600'], '--baud applies to --serial only'],
      [['--serial', 'ttyUSB0'], '--serial wants the path of a serial port such as /dev/ttyUSB0, got "ttyUSB0"'],
      [['--serial', '/dev/x', '--units', '0-5'], '--units: "0-5" is not a unit id or range within 1-247'],
      [['--serial', '/dev/x', '--parity', 'mark'], '--parity wants one of none, even, odd, got "mark"'],
      [['--host', 'h', '--ranges', 'holding:0-9,register:1'], '--ranges: "register:1" is not table:from-to with a table among coil, discrete, holding, input'],
      [['--host', 'h', '--timeout', 'soon'], '--timeout wants a duration such as 300ms or 2s, got "soon"'],
    ] as const;
    for (const [args, message] of problems) expect(() => parseScanArgs([...args]), message).toThrow(message);
    expect(parseScanArgs(['--host', '::1', '--units', '0,1,5-6', '--ranges', 'coil:3']).options).toEqual({
      connection: { url: 'tcp://[::1]:502' }, units: [0, 1, 5, 6], ranges: [{ table: 'coil', from: 3, to: 3 }], timeoutMs: 300,
    });
    const bad = await scan('--host', 'h', '--port', '70000');
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringMatching(/^edge-agent scan modbus: --port wants an integer 1-65535, got "70000"\n/) });
    const gone = await scan('--serial', '/dev/afferent-no-such-port', '--units', '1');
    expect(gone).toMatchObject({ code: 1, stderr: expect.stringMatching(/edge-agent scan modbus: rtu:\/dev\/afferent-no-such-port: .*No such file or directory/) });
  });
});
