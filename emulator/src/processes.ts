/**
 * A machine's "VM": one local process group. Each boot gets a fresh root directory (Fly rebuilds the
 * rootfs from the image on every start), and when the main process exits the rest of its group goes
 * with it, as everything in a VM does when it stops. POSIX only (process groups).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { MachineFile } from '../../protocol/fly-machines.js';
import type { MachineCommand } from './options.js';

export interface MachinePaths {
  /** The machine's working directory, recreated on every boot. */
  root: string;
  /** stdout and stderr of every boot, appended. */
  log: string;
}

export function machinePaths(dataDir: string, machineId: string): MachinePaths {
  const base = join(dataDir, 'machines', machineId);
  return { root: join(base, 'root'), log: join(base, 'output.log') };
}

/** Empties the root and writes `config.files` into it (base64 `raw_value` only; secrets do not exist here). */
export function resetRoot(root: string, files: readonly MachineFile[] = []): void {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  for (const file of files) {
    if (file.raw_value === undefined) continue;
    // Resolving against "/" first drops any "..", so the file always lands inside the root.
    const target = join(root, resolve('/', file.guest_path));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, Buffer.from(file.raw_value, 'base64'), { mode: file.mode ?? 0o644 });
  }
}

/** Drops a destroyed machine's root; its output log stays, for whoever investigates what it did. */
export function removeMachineRoot(dataDir: string, machineId: string): void {
  rmSync(machinePaths(dataDir, machineId).root, { recursive: true, force: true });
}

/** Starts the machine's main process as the leader of a new process group, output appended to the log. */
export function spawnMachineProcess(command: MachineCommand, paths: MachinePaths, env: Record<string, string>): ChildProcess {
  mkdirSync(dirname(paths.log), { recursive: true });
  const output = openSync(paths.log, 'a');
  try {
    writeSync(output, `--- boot at ${new Date().toISOString()}: ${[command.command, ...command.args].join(' ')}\n`);
    return spawn(command.command, command.args, { cwd: paths.root, env, detached: true, stdio: ['ignore', output, output] });
  } finally {
    // The child has its own copy of the descriptor.
    closeSync(output);
  }
}

/** Signals a whole process group; false when it no longer exists. */
export function signalGroup(leaderPid: number | undefined, signal: NodeJS.Signals | 0): boolean {
  if (leaderPid === undefined) return false;
  try {
    process.kill(-leaderPid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/**
 * True when the process group `pid` still runs and is this machine's (its leader's environment names
 * the machine, where /proc can tell; a recycled pid belongs to something else).
 */
export function isMachineProcessAlive(pid: number | undefined, machineId: string): boolean {
  if (pid === undefined || !signalGroup(pid, 0)) return false;
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`FLY_MACHINE_ID=${machineId}`);
  } catch (error) {
    // No /proc (macOS): the live process group is the best evidence there is.
    return (error as NodeJS.ErrnoException).code === 'ENOENT' && !existsProcDir();
  }
}

function existsProcDir(): boolean {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
}
