/**
 * What to do with a machine whose job's lease expired (the lease reaper took the job back). Its events
 * tell what happened to the worker process that held the job:
 * - it still runs (no exit since it went quiet): hung or cut off from the API. Stop it; the next start
 *   boots it from a fresh root filesystem.
 * - it died abnormally (a crash, a kill, the OOM killer) or the machine is `failed`: destroy it; the
 *   pool creates a fresh one when there is work for it.
 * - it exited cleanly, or it has been started again since it died: nothing to do.
 */
import { latestExit } from '../fly/exit.js';
import { isNotFound } from '../fly/errors.js';
import { destroyPoolMachine, type MachineActionsDeps, stopPoolMachine } from './machine-actions.js';
import { ALIVE_STATES, isAbnormalExit } from './plan.js';
import type { PoolView } from './pool-view.js';
import { POOL_METADATA_KEY, POOL_NAME } from './worker-config.js';

/** Beyond the lease, how long before the report the worker may have gone quiet (the reaper's sweep, clock skew). */
const REPORT_DELAY_MARGIN_MS = 15_000;

export interface DeadMachineDeps extends MachineActionsDeps {
  view: PoolView;
  leaseMs: number;
}

export type DeadMachineVerdict = 'stopped' | 'destroyed' | 'healthy' | 'gone' | 'not-in-pool' | 'leased-elsewhere';

/** Checks `machineId` after its job was lost, and stops or destroys it as the module comment says. */
export async function handleLostMachine(deps: DeadMachineDeps, machineId: string, signal: AbortSignal): Promise<DeadMachineVerdict> {
  const logger = deps.logger.child({ machineId });
  let machine;
  try {
    machine = await deps.client.getMachine(machineId, { signal });
  } catch (error) {
    if (!isNotFound(error)) throw error;
    deps.view.forget(machineId);
    return 'gone';
  }
  // Workers started by hand (`npm run worker`) name machines the pool knows nothing about.
  if (machine.config?.metadata?.[POOL_METADATA_KEY] !== POOL_NAME) return 'not-in-pool';

  const exit = latestExit(await deps.client.listEvents(machineId, { limit: 20, signal }));
  const quietSince = Date.now() - deps.leaseMs - REPORT_DELAY_MARGIN_MS;
  const exitedSinceQuiet = exit !== undefined && exit.timestamp >= quietSince;
  const exitFields = exit && { exitCode: exit.exit_code, oomKilled: exit.oom_killed, requestedStop: exit.requested_stop };

  if (ALIVE_STATES.has(machine.state) && !exitedSinceQuiet) {
    logger.warn({ state: machine.state }, 'a worker lost its job but its machine still runs: stopping it');
    const outcome = await stopPoolMachine(deps, machineId, signal);
    if (outcome === 'done') deps.view.recordAction(machineId, 'stopping');
    return outcome === 'done' ? 'stopped' : outcome;
  }
  const broken = machine.state === 'failed' || (machine.state === 'stopped' && isAbnormalExit(exit));
  if (!broken) {
    logger.info({ state: machine.state, exit: exitFields }, 'machine of a lost job looks healthy; keeping it');
    return 'healthy';
  }
  logger.warn({ state: machine.state, exit: exitFields }, 'machine of a lost job died abnormally: destroying it');
  const outcome = await destroyPoolMachine(deps, machineId, { force: machine.state === 'failed', signal });
  if (outcome === 'done' || outcome === 'gone') deps.view.forget(machineId);
  return outcome === 'done' ? 'destroyed' : outcome;
}
