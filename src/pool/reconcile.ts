/**
 * One scheduling pass: optionally re-read the pool from the API, read the demand from the database,
 * plan, and act. Actions on different machines run concurrently; the client's token buckets keep them
 * within Fly's rate limits, so a burst of work is slowed down rather than refused.
 */
import type { Database } from '../db/client.js';
import { isCapacityError } from '../fly/errors.js';
import { readDemand } from '../jobs/reader.js';
import { createPoolMachine, destroyPoolMachine, type MachineActionsDeps, startPoolMachine } from './machine-actions.js';
import { ALIVE_STATES, type DestroyReason, type Plan, planPool } from './plan.js';
import type { PoolView } from './pool-view.js';
import { POOL_METADATA_KEY, POOL_NAME, type WorkerConfig } from './worker-config.js';
import { isImageMissing, type WorkerImageStatus } from './worker-image.js';

export interface ReconcileDeps extends MachineActionsDeps {
  db: Database;
  view: PoolView;
  worker: WorkerConfig;
  maxMachines: number;
  region: string | null;
  /** Machines under a dead-machine check: not started, destroyed or counted as capacity. */
  held: ReadonlySet<string>;
  /** Whether the worker image is known to be gone (creates are then probed, not retried). */
  image: WorkerImageStatus;
}

export interface PassResult {
  plan: Plan;
  claimableJobs: number;
  /** Something planned did not happen (a lease held elsewhere, an error): worth another pass soon. */
  unfinished: boolean;
}

/** One pass; a failed action is logged and reported as `unfinished`, a failed listing or query throws. */
export async function reconcilePool(deps: ReconcileDeps, options: { refresh: boolean; signal: AbortSignal }): Promise<PassResult> {
  const { client, view, logger } = deps;
  const { signal } = options;
  if (options.refresh) {
    const listed = await client.listMachines({ metadata: { [POOL_METADATA_KEY]: POOL_NAME } }, { signal });
    for (const machine of view.applyList(listed)) {
      // Expected for machines we destroyed; otherwise someone else did, and the pool replaces it on demand.
      const level = machine.state === 'destroying' ? 'debug' : 'warn';
      logger[level]({ machineId: machine.id, lastState: machine.state }, 'machine is gone from the Fly API; forgetting it');
    }
  }
  const machines = view.machines();
  const alive = machines.filter((machine) => ALIVE_STATES.has(machine.state)).length;
  const demand = await readDemand(deps.db, { cap: deps.maxMachines + alive });
  const plan = planPool({ machines, ...demand, maxMachines: deps.maxMachines, version: deps.worker.version, heldMachineIds: deps.held });
  const acted = plan.start.length + plan.create + plan.destroy.length > 0;
  if (acted) logger.info({ claimableJobs: demand.claimableJobs, alive, start: plan.start, create: plan.create, destroy: plan.destroy }, 'scaling the worker pool');

  const results = await Promise.all([
    ...plan.start.map((machineId) => start(deps, machineId, signal)),
    createAll(deps, plan.create, options),
    ...plan.destroy.map(({ id, reason }) => destroy(deps, id, reason, signal)),
  ]);
  return { plan, claimableJobs: demand.claimableJobs, unfinished: results.includes(false) };
}

/**
 * The planned creates. While the worker image is known to be gone, a refresh pass makes one probing
 * create and other passes none: the outcome is the same for every create, and nothing but a new image
 * (a redeploy) changes it. Refusals for a missing image make one error line per pass and do not make
 * the pass `unfinished`, so they are not retried sooner than the next refresh.
 */
async function createAll(deps: ReconcileDeps, count: number, options: { refresh: boolean; signal: AbortSignal }): Promise<boolean> {
  const attempts = deps.image.missing ? (options.refresh ? Math.min(count, 1) : 0) : count;
  if (attempts === 0) return true;
  const outcomes = await Promise.all(Array.from({ length: attempts }, () => create(deps, options.signal)));
  const refused = outcomes.filter((outcome) => outcome !== true && outcome !== false);
  if (refused.length > 0) {
    const news = deps.image.recordRefused(refused.length);
    deps.logger.error(
      { err: refused[0]!.error, ...deps.image.snapshot(), refusedThisPass: refused.length },
      `the worker image is gone from the registry${news ? '' : ' (still)'}: no worker machine can be created until FLY_WORKER_IMAGE names an image that exists (Fly prunes images that were pushed but never deployed; see docs/DEPLOY.md, "Keep the worker image")`,
    );
  } else if (outcomes.includes(true) && deps.image.recordAvailable()) {
    deps.logger.info({ image: deps.image.image }, 'the worker image is available again: creating worker machines');
  }
  return !outcomes.includes(false);
}

/** Each action logs its own failure and returns whether it happened; one failure never stops the others. */
async function start(deps: ReconcileDeps, machineId: string, signal: AbortSignal): Promise<boolean> {
  try {
    const outcome = await startPoolMachine(deps, machineId, signal);
    if (outcome === 'done') deps.view.recordAction(machineId, 'starting');
    if (outcome === 'gone') deps.view.forget(machineId);
    return outcome === 'done';
  } catch (error) {
    if (signal.aborted) return false;
    if (!isCapacityError(error)) {
      deps.logger.warn({ err: error, machineId }, 'could not start a stopped worker machine');
      return false;
    }
    // Its host is full; a new machine lands elsewhere.
    deps.logger.warn({ err: error, machineId }, 'no capacity on the machine\'s host: replacing it');
    await destroy(deps, machineId, 'no-capacity', signal);
    return false;
  }
}

/** True when created, false when it failed (and was logged), `{ error }` when the image is gone (logged by the caller). */
async function create(deps: ReconcileDeps, signal: AbortSignal): Promise<boolean | { error: unknown }> {
  try {
    const machine = await createPoolMachine(deps.client, { config: deps.worker.config, region: deps.region }, signal);
    deps.view.addCreated(machine);
    deps.logger.info({ machineId: machine.id, region: machine.region }, 'created a worker machine');
    return true;
  } catch (error) {
    if (!signal.aborted && isImageMissing(error)) return { error };
    if (!signal.aborted) deps.logger[isCapacityError(error) ? 'warn' : 'error']({ err: error }, 'could not create a worker machine');
    return false;
  }
}

async function destroy(deps: ReconcileDeps, machineId: string, reason: DestroyReason | 'no-capacity', signal: AbortSignal): Promise<boolean> {
  try {
    const force = reason === 'failed' || reason === 'wedged';
    const outcome = await destroyPoolMachine(deps, machineId, { force, signal });
    if (outcome === 'done') deps.view.recordAction(machineId, 'destroying');
    if (outcome === 'gone') deps.view.forget(machineId);
    if (outcome === 'done') deps.logger.info({ machineId, reason }, 'destroyed a worker machine');
    return outcome !== 'leased-elsewhere';
  } catch (error) {
    if (!signal.aborted) deps.logger.warn({ err: error, machineId, reason }, 'could not destroy a worker machine');
    return false;
  }
}
