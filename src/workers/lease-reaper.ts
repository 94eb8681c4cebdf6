import { requeueExpiredLeases } from '../jobs/sql/requeue-expired.js';
import { requeueExpiredTasks } from '../jobs/sql/task-finish.js';
import type { Job } from '../db/schema.js';
import type { Config } from '../config/load-config.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';

export interface LeaseReaper {
  /** Runs one sweep now (tests, and the first sweep at start). */
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Every API instance sweeps for RUNNING jobs whose worker stopped reporting (lease expired) and hands
 * them back (or fails them after MAX_ATTEMPTS), and likewise for the tasks of split jobs. Sweeps are cheap and SKIP LOCKED, so instances never
 * block each other; a sweep every few seconds finds a dead worker's job within LEASE_MS plus that.
 */
export function startLeaseReaper(
  deps: { db: Database; config: Pick<Config, 'maxAttempts' | 'retryBaseMs'>; logger: Logger },
  options: { intervalMs?: number; onLost?: (job: Pick<Job, 'id'>, machineId: string | null) => void } = {},
): LeaseReaper {
  const { db, config, logger } = deps;
  let running: Promise<number> | null = null;
  const sweep = (): Promise<number> => {
    running ??= requeueExpiredLeases(db, { maxAttempts: config.maxAttempts, retryBaseMs: config.retryBaseMs })
      .then((reaped) => {
        for (const { job, lostMachineId } of reaped) {
          logger.warn({ jobId: job.id, machineId: lostMachineId, attempts: job.attempts, status: job.status }, 'worker lost: lease expired');
          options.onLost?.(job, lostMachineId);
        }
        return reaped.length;
      })
      // The tasks of split jobs (issue 18): each expired one is requeued alone (or fails its job once spent).
      .then(async (jobs) => {
        const lost = await requeueExpiredTasks(db, { maxAttempts: config.maxAttempts, retryBaseMs: config.retryBaseMs });
        for (const { jobId, machineId } of lost) {
          logger.warn({ jobId, machineId }, 'worker lost: task lease expired');
          options.onLost?.({ id: jobId }, machineId);
        }
        return jobs + lost.length;
      })
      .finally(() => (running = null));
    return running;
  };
  const timer = setInterval(() => {
    sweep().catch((error: unknown) => logger.error({ err: error }, 'lease sweep failed'));
  }, options.intervalMs ?? 5_000);
  timer.unref();
  return {
    sweep,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
