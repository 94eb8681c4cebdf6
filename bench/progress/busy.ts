import { spawn } from 'node:child_process';

/**
 * "A second process using one core": a child that spins until killed, as another benchmark beside
 * this one would. Plain node (no tsx), so that it starts at once.
 */
export function startBusyLoop(): { pid: number; stop(): void } {
  const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  return { pid: child.pid!, stop: () => void child.kill('SIGKILL') };
}
