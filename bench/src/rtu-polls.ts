import { performance } from 'node:perf_hooks';
import { loadProfileLibrary, modbusSerialSettings, rtuSilenceMs, type ModbusConnection } from '@afferent/device-profiles';
import { DRIVER_TABLE, type DeviceSession } from '@afferent/edge-agent';
import { startModbusRtuSimulator, startPtyPair } from '@afferent/simulators';
import { fmt, type BenchResult } from './suite.js';

export interface RtuPollsOptions {
  units?: number;
  baudRate?: number;
  seconds?: number;
}

/** Characters on the wire for one read of `registers` holding registers: request 8, answer 5 + 2 per register. */
const charsPerPoll = (registers: number) => 8 + 5 + 2 * registers;

/**
 * Modbus RTU: polls per second the agent achieves on one serial bus, against
 * what the wire allows at that speed. The bus is a socat pty pair, which moves
 * bytes at once whatever the baud rate, so the achieved rate shows the agent's
 * own cost per poll (queue, t3.5 pacing, framing, codecs) — whether software
 * or the wire would be the limit on a real line.
 */
export async function run(options: RtuPollsOptions = {}): Promise<BenchResult> {
  const { units = 10, baudRate = 115_200, seconds = 10 } = options;
  const profile = loadProfileLibrary().profiles.get('xy-md02')!;
  const points = profile.points.filter((p) => p.name === 'temperature' || p.name === 'humidity');
  const pair = await startPtyPair();
  const line = { baudRate, parity: 'none', dataBits: 8, stopBits: 1 } as const;
  // The simulator takes a frame as done after this much silence; its default (10 ms, safe on real
  // lines) would measure the simulator. A pty delivers each frame in one piece, so 2 ms is safe.
  const sim = await startModbusRtuSimulator({ path: pair.device, ...line, frameGapMs: 2, devices: Array.from({ length: units }, (_, i) => ({ unitId: i + 1, profile })) });
  const driver = DRIVER_TABLE.modbus!({ dataDir: '' });
  try {
    const sessions: DeviceSession[] = Array.from({ length: units }, (_, i) => driver.open({
      profile,
      instance: { id: `th-${i + 1}`, profile: profile.profile, connection: { url: `rtu:${pair.client}`, unitId: i + 1, ...line, timeout: '200ms' } satisfies ModbusConnection },
    }));
    // Every unit polled as fast as the bus allows: one loop per device, all queued on the one bus.
    let polls = 0;
    let failures = 0;
    const deadline = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(sessions.map(async (session) => {
      while (performance.now() < deadline) {
        const result = await session.read(points).catch(() => undefined);
        if (result && [...result.values()].every((r) => 'raw' in r)) polls++;
        else failures++;
      }
    }));
    const achieved = polls / ((performance.now() - started) / 1000);
    const settings = modbusSerialSettings({ url: `rtu:${pair.client}`, ...line });
    const bitsPerChar = 1 + settings.dataBits + settings.stopBits;
    // The read of temperature and humidity is one request for 2 registers (the planner merges them).
    const wireMs = (charsPerPoll(2) * bitsPerChar * 1000) / baudRate + 2 * rtuSilenceMs(settings);
    const wireLimit = 1000 / wireMs;
    return {
      suite: 'rtu-polls',
      setup: `Modbus RTU, ${units} units on one bus at ${baudRate} 8N1, each polled back to back for ${seconds} s (2 input registers per poll); a socat pty pair (no wire delay) with the RTU simulator`,
      rows: [
        { metric: 'polls per second achieved by the agent', value: fmt.rate(achieved, 'polls/s'), target: `≥ the wire limit (${fmt.rate(wireLimit, 'polls/s')})`, met: achieved >= wireLimit },
        { metric: 'wire-time limit at this speed (frames + 2 × t3.5, no device turnaround)', value: `${fmt.rate(wireLimit, 'polls/s')} (${wireMs.toFixed(2)} ms per poll)` },
        { metric: 'failed polls', value: String(failures) },
        { metric: 'note', value: 'the simulator answers after 2 ms of silence; a real device adds its own turnaround (often 5–50 ms)' },
      ],
    };
  } finally {
    await driver.close();
    await sim.close();
    await pair.close();
  }
}
