/**
 * The machine state machine over real processes: boot (`starting` → `started`), the main process
 * exiting (restart policy, then `auto_destroy`), stop (signal, then SIGKILL after the timeout) and
 * destroy. Event types and statuses follow the sequences observed on the live API.
 */
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { EventSource, StartMachineResult } from '../../protocol/fly-machines.js';
import type { StopSettings } from './config.js';
import { addEvent, cancelPendingSteps, type EmulatorContext, type MachineRuntime, runtimeOf, setState } from './context.js';
import { failedPrecondition } from './errors.js';
import { isMachineProcessAlive, machinePaths, removeMachineRoot, resetRoot, signalGroup, spawnMachineProcess } from './processes.js';
import type { MachineRecord } from './record.js';
import { RESTART_WINDOW_MS, shouldRestart } from './restart-policy.js';

const STARTABLE_STATES = new Set(['created', 'stopped', 'failed']);

/** `POST .../start`. Starting a started machine is a no-op (the real behaviour is unverified). */
export function startMachine(context: EmulatorContext, record: MachineRecord): StartMachineResult {
  const previous = record.state;
  if (previous === 'replacing') throw failedPrecondition('machine getting replaced, refusing to start');
  if (previous !== 'started') {
    if (!STARTABLE_STATES.has(previous)) throw failedPrecondition(`unable to start machine from current state: '${previous}'`);
    record.restartTimes = [];
    record.restartCount = 0;
    bootMachine(context, record, { source: 'user', eventType: 'start' });
  }
  return { previous_state: previous, migrated: false, new_host: '' };
}

/**
 * Moves the machine to `starting` and launches its process once the image is pulled and the start
 * delay has passed. `eventType` names the `starting` event; the first boot after create records none.
 */
export function bootMachine(context: EmulatorContext, record: MachineRecord, boot: { source: EventSource; eventType?: 'start' | 'restart' }): void {
  const runtime = runtimeOf(context, record.id);
  setState(context, record, 'starting', boot.eventType && { type: boot.eventType, status: 'starting', source: boot.source });
  const delay = Math.max(0, record.imageReadyAt - Date.now()) + context.options.startDelayMs;
  clearTimeout(runtime.bootTimer);
  runtime.bootTimer = setTimeout(() => {
    runtime.bootTimer = undefined;
    launch(context, record, runtime);
  }, delay);
}

function launch(context: EmulatorContext, record: MachineRecord, runtime: MachineRuntime): void {
  const paths = machinePaths(context.options.dataDir, record.id);
  let child: ChildProcess;
  try {
    resetRoot(paths.root, record.config.files);
    child = spawnMachineProcess(context.options.machineCommand, paths, machineEnv(context, record, paths.root));
  } catch (error) {
    failBoot(context, record, error);
    return;
  }
  runtime.child = child;
  runtime.stopRequested = false;
  record.pid = child.pid;
  context.store.scheduleSave();
  runtime.exited = new Promise((resolve) => {
    let settled = false;
    const settle = (handle: () => void): void => {
      if (settled) return;
      settled = true;
      if (runtime.child === child) runtime.child = undefined;
      if (record.pid === child.pid) delete record.pid;
      handle();
      resolve();
    };
    // An 'error' before there is a pid is a failed spawn (command not found); later ones are not exits.
    child.once('error', (error) => {
      if (child.pid === undefined) settle(() => failBoot(context, record, error));
    });
    child.once('exit', (code, signal) => settle(() => onExit(context, record, runtime, child, code, signal)));
  });
  child.once('spawn', () => {
    if (record.state !== 'starting') return;
    setState(context, record, 'started', { type: 'start', status: 'started', source: 'flyd' });
  });
}

/** How often an adopted process (not our child: no exit event) is checked for. */
const ADOPTED_POLL_MS = 500;

/**
 * Takes over a machine whose process outlived a previous emulator (killed with the API that ran it):
 * the machine stays `started`, as a Fly VM would, and its process is watched by pid until it exits.
 * The exit status of a process that is not our child cannot be read: its exit is recorded as a clean
 * one (exit code 0, which is how an idle worker ends).
 */
export function adoptProcess(context: EmulatorContext, record: MachineRecord): void {
  const runtime = runtimeOf(context, record.id);
  const child = { pid: record.pid };
  runtime.child = child;
  runtime.stopRequested = false;
  runtime.exited = new Promise((resolve) => {
    const poll = setInterval(() => {
      if (isMachineProcessAlive(child.pid, record.id) && !context.closing) return;
      clearInterval(poll);
      if (runtime.child === child) runtime.child = undefined;
      if (record.pid === child.pid) delete record.pid;
      if (!context.closing) onExit(context, record, runtime, child, 0, null);
      resolve();
    }, ADOPTED_POLL_MS);
    poll.unref();
  });
  context.logger.info({ machineId: record.id, pid: record.pid }, 'machine process survived the previous emulator: adopted');
}

/** The runtime environment a Fly Machine sees (fly docs "Machine runtime environment"), over `config.env`. */
function machineEnv(context: EmulatorContext, record: MachineRecord, root: string): Record<string, string> {
  return {
    ...context.options.baseEnv,
    HOME: root,
    ...record.config.env,
    FLY_APP_NAME: record.app,
    FLY_MACHINE_ID: record.id,
    FLY_ALLOC_ID: record.id,
    FLY_REGION: record.region,
    FLY_IMAGE_REF: record.config.image,
    FLY_MACHINE_VERSION: record.instanceId,
    FLY_PRIVATE_IP: record.privateIp,
    FLY_PROCESS_GROUP: record.config.metadata?.fly_process_group ?? 'app',
    FLY_VM_MEMORY_MB: String(record.config.guest?.memory_mb ?? 256),
  };
}

function failBoot(context: EmulatorContext, record: MachineRecord, error: unknown): void {
  context.logger.error({ machineId: record.id, err: error }, 'machine process failed to start');
  setState(context, record, 'failed', { type: 'start', status: 'failed', source: 'flyd', request: { error: String(error) } });
}

function onExit(context: EmulatorContext, record: MachineRecord, runtime: MachineRuntime, child: { pid?: number | undefined }, code: number | null, signal: NodeJS.Signals | null): void {
  // Whatever else ran in the "VM" dies with its main process.
  signalGroup(child.pid, 'SIGKILL');
  const now = Date.now();
  const signalNumber = signal ? constants.signals[signal] : -1;
  const exitCode = code ?? 128 + Math.max(0, signalNumber);
  const requestedStop = runtime.stopRequested;
  runtime.stopRequested = false;
  // During an update, a destroy or shutdown, whoever ended the process decides what comes next.
  const ownExit = !requestedStop && !context.closing && (record.state === 'started' || record.state === 'starting');
  const restarting = ownExit && shouldRestart(record.config.restart, exitCode, record.restartTimes, now);
  if (restarting) {
    record.restartTimes = [...record.restartTimes.filter((time) => now - time < RESTART_WINDOW_MS), now];
    record.restartCount += 1;
  }
  context.logger.info({ machineId: record.id, exitCode, signal, restarting }, 'machine process exited');
  const exitEvent = {
    type: 'exit',
    status: 'stopped',
    source: 'flyd',
    request: {
      exit_event: {
        requested_stop: requestedStop,
        restarting,
        guest_exit_code: exitCode,
        guest_signal: signalNumber,
        guest_error: '',
        exit_code: exitCode,
        signal: signalNumber,
        error: '',
        oom_killed: false,
        exited_at: new Date(now).toISOString(),
      },
      restart_count: record.restartCount,
    },
  };
  if (ownExit && !restarting) {
    setState(context, record, 'stopped', exitEvent);
    if (record.config.auto_destroy) destroyMachine(context, record, 'flyd');
    return;
  }
  addEvent(context, record, exitEvent);
  if (restarting) bootMachine(context, record, { source: 'flyd', eventType: 'restart' });
}

/**
 * Ends the machine's process: `signal` to its group, SIGKILL after `timeoutMs`. Resolves once it has
 * exited (at once if none runs; a boot still pending is cancelled).
 */
export async function endProcess(context: EmulatorContext, record: MachineRecord, stop: StopSettings): Promise<void> {
  const runtime = runtimeOf(context, record.id);
  clearTimeout(runtime.bootTimer);
  runtime.bootTimer = undefined;
  const child = runtime.child;
  if (!child) return;
  runtime.stopRequested = true;
  signalGroup(child.pid, stop.signal);
  const killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), stop.timeoutMs);
  await runtime.exited;
  clearTimeout(killTimer);
}

/** `POST .../stop`: returns at once; the machine goes `stopping`, then `stopped` (then maybe destroyed). */
export function stopMachine(context: EmulatorContext, record: MachineRecord, stop: StopSettings): void {
  if (record.state === 'replacing') throw failedPrecondition('machine getting replaced, refusing to stop');
  if (record.state !== 'started' && record.state !== 'starting') return;
  setState(context, record, 'stopping', { type: 'stop', status: 'stopping', source: 'user', request: { reason: '' } });
  void endProcess(context, record, stop).then(() => {
    if (record.state !== 'stopping') return;
    setState(context, record, 'stopped');
    if (record.config.auto_destroy) destroyMachine(context, record, 'flyd');
  });
}

/** `destroying` → (process killed) → `destroyed`; the root directory goes too. */
export function destroyMachine(context: EmulatorContext, record: MachineRecord, source: EventSource): void {
  setState(context, record, 'destroying', { type: 'destroy', status: 'destroying', source });
  delete record.lease;
  cancelPendingSteps(runtimeOf(context, record.id));
  void endProcess(context, record, { signal: 'SIGKILL', timeoutMs: 0 }).then(() => {
    setState(context, record, 'destroyed', { type: 'destroy', status: 'destroyed', source: 'flyd' });
    context.runtimes.delete(record.id);
    if (!context.closing) removeMachineRoot(context.options.dataDir, record.id);
  });
}
