import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { mapRow } from '../../db/map-row.js';
import { jobsTable, type Job } from '../../db/schema.js';
import { retryBackoffSql } from './fail-job.js';
import { notifyExpression } from './notify.js';

/**
 * Takes back RUNNING jobs whose lease expired (no heartbeat for LEASE_MS): QUEUED again with a
 * backoff, or FAILED with WORKER_LOST once the attempts are spent. One statement (SKIP LOCKED), safe
 * to run on every instance at once. Returns the jobs it changed, with the machine each was lost on.
 */
export async function requeueExpiredLeases(
  db: Pick<Database, 'execute'>,
  options: { maxAttempts: number; retryBaseMs: number; limit?: number },
): Promise<Array<{ job: Job; lostMachineId: string | null }>> {
  const exhausted = sql`jobs.attempts >= ${options.maxAttempts}`;
  const rows = await db.execute(sql`
    with expired as (
      select id from jobs
      where status = 'RUNNING' and lease_expires_at <= now()
      limit ${options.limit ?? 100}
      for update skip locked
    ), changed as (
      update jobs set
        status = case when ${exhausted} then 'FAILED' else 'QUEUED' end,
        error_code = case when ${exhausted} then 'WORKER_LOST' else jobs.error_code end,
        error_message = case when ${exhausted} then ${`The worker stopped reporting ${options.maxAttempts} times; giving up`} else jobs.error_message end,
        finished_at = case when ${exhausted} then now() else null end,
        run_after = now() + make_interval(secs => ${retryBackoffSql(options.retryBaseMs)} / 1000.0),
        lease_id = null,
        lease_expires_at = null,
        progress_phase = null,
        progress_percent = null,
        version = jobs.version + 1,
        updated_at = now()
      from expired
      where jobs.id = expired.id
      returning jobs.*
    ), event as (
      insert into job_events (job_id, type, from_status, to_status, attempt, machine_id)
      select id, 'lease_expired', 'RUNNING', status, attempts, machine_id from changed
    )
    select changed.*, ${notifyExpression('changed')} from changed`);
  return (rows as unknown as Array<Record<string, unknown>>).map((row) => {
    const job = mapRow(jobsTable, row);
    return { job, lostMachineId: job.machineId };
  });
}
