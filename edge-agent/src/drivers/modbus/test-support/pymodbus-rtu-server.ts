import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Debian's python3 with python3-pymodbus; the python3 first on PATH may be another build without it. */
export const DEBIAN_PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./pymodbus-rtu-server.py', import.meta.url));

export interface PymodbusServer {
  stop(): Promise<void>;
}

/** Start pymodbus-rtu-server.py on a serial port; resolves once it says "ready". */
export function startPymodbusRtuServer(path: string, baudRate: number, unitIds: number[]): Promise<PymodbusServer> {
  // 8N1: pyserial cannot set parity on a pty (tcsetattr answers EINVAL), and a pty carries no parity bit anyway.
  const child: ChildProcess = spawn(DEBIAN_PYTHON, [SCRIPT, path, String(baudRate), 'N', ...unitIds.map(String)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`pymodbus server not ready within 10s:\n${output}`));
    }, 10_000);
    const early = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`pymodbus server exited with ${code}:\n${output}`));
    };
    child.once('exit', early);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes('ready')) return;
      clearTimeout(timer);
      child.off('exit', early);
      resolve({ stop });
    });
  });
}
