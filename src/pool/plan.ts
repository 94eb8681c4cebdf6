/**
 * What the pool should do next, as a pure function of what it looks like and how much work waits.
 * Stopped machines are started before any is created (a start is ~300 ms, a create pays the image
 * pull), and only as many machines run as `MAX_MACHINES` allows.
 */
import type { MachineExit } from '../fly/exit.js';
import type { PoolMachine } from './pool-view.js';

/** States of a machine that runs or is about to: they count against `MAX_MACHINES`. */
export const ALIVE_STATES: ReadonlySet<string> = new Set(['created', 'starting', 'started', 'restarting', 'replacing', 'updating']);

/** Fly calls a machine wedged when it sits in a transient state this long (docs "Machine states"). */
const WEDGED_AFTER_MS = 5 * 60_000;
const TRANSIENT_STATES: ReadonlySet<string> = new Set(['created', 'starting', 'restarting', 'stopping', 'destroying']);

/** Why a machine goes; `failed` and `wedged` ones are destroyed with force. */
export type DestroyReason = 'stale' | 'crashed' | 'failed' | 'wedged' | 'surplus';

export interface PlanInput {
  machines: readonly PoolMachine[];
  /** QUEUED jobs whose retry backoff has passed. */
  claimableJobs: number;
  /** Machines a RUNNING job names: busy, not idle capacity. */
  busyMachineIds: ReadonlySet<string>;
  maxMachines: number;
  /** The current worker config version. */
  version: string;
  /** Machines to leave alone for now (a dead-machine check in progress). */
  heldMachineIds: ReadonlySet<string>;
  /** @default Date.now() */
  now?: number;
}

export interface Plan {
  /** Stopped machines of the current version to start. */
  start: string[];
  /** How many machines to create. */
  create: number;
  destroy: Array<{ id: string; reason: DestroyReason }>;
}

/**
 * A crash, a kill or the OOM killer, as opposed to the worker's own idle exit (0) or a stop we asked
 * for. A machine that died that way is not trusted with another job.
 */
export function isAbnormalExit(exit: MachineExit | undefined): boolean {
  return exit !== undefined && !exit.requested_stop && (exit.exit_code !== 0 || exit.oom_killed === true);
}

/** The next step for the pool: which stopped machines to start, how many to create, which to destroy. */
export function planPool(input: PlanInput): Plan {
  const machines = input.machines.filter((machine) => !input.heldMachineIds.has(machine.id));
  const alive = input.machines.filter((machine) => ALIVE_STATES.has(machine.state));
  // A held machine is suspect: it counts against the limit while it runs, but not as capacity.
  const idle = alive.filter((machine) => !input.busyMachineIds.has(machine.id) && !input.heldMachineIds.has(machine.id)).length;
  const launches = Math.min(Math.max(0, input.claimableJobs - idle), Math.max(0, input.maxMachines - alive.length));

  const destroy: Plan['destroy'] = [];
  const startable: string[] = [];
  let stopping = 0;
  const now = input.now ?? Date.now();
  for (const machine of machines) {
    const current = machine.version === input.version;
    if (TRANSIENT_STATES.has(machine.state) && now - machine.updatedAt > WEDGED_AFTER_MS) destroy.push({ id: machine.id, reason: 'wedged' });
    else if (machine.state === 'failed') destroy.push({ id: machine.id, reason: 'failed' });
    else if (machine.state === 'stopping' && current) stopping += 1;
    else if (machine.state !== 'stopped') continue;
    else if (!current) destroy.push({ id: machine.id, reason: 'stale' });
    else if (isAbnormalExit(machine.lastExit)) destroy.push({ id: machine.id, reason: 'crashed' });
    else startable.push(machine.id);
  }

  const start = startable.slice(0, launches);
  // A machine on its way to `stopped` will be startable in a moment: cheaper to wait than to create.
  const create = Math.max(0, launches - start.length - stopping);
  // Keep no more machines than MAX_MACHINES (it may have been lowered): surplus stopped ones go.
  const surplus = alive.length + create + startable.length - input.maxMachines;
  for (const id of startable.slice(start.length).slice(0, Math.max(0, surplus))) destroy.push({ id, reason: 'surplus' });
  return { start, create, destroy };
}
