import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { mapRow } from '../../db/map-row.js';
import { executePrepared } from '../../db/prepared.js';
import { jobsTable, type Job } from '../../db/schema.js';
import { notifyExpression } from './notify.js';
import { leaseGuard, runTransition } from './transition.js';

/**
 * Claims the next runnable job (priority, then age), skipping rows other claimers hold. One statement
 * (select, update, event insert and NOTIFY as CTEs) so a claim is one round trip, and its ORDER BY
 * matches jobs_claim_idx exactly (`priority DESC NULLS LAST`), so the queue is never sorted.
 * The commit is asynchronous (`synchronous_commit` off for this transaction only): if PostgreSQL
 * crashed before flushing it, the job would simply still be QUEUED, and the worker's first report
 * would be refused as "lost" — safe, and it saves a disk flush on the hot path.
 */
export async function claimNextJob(db: Pick<Database, 'execute'>, options: { machineId: string | null; leaseMs: number }): Promise<Job | null> {
  const rows = await executePrepared(db, sql`
    with next as (
      select id from jobs
      where status = 'QUEUED' and run_after <= now()
      order by priority desc nulls last, created_at, id
      limit 1
      for update skip locked
    ), claimed as (
      update jobs set
        status = 'RUNNING',
        attempts = jobs.attempts + 1,
        lease_id = gen_random_uuid(),
        lease_expires_at = now() + make_interval(secs => ${options.leaseMs / 1000}),
        machine_id = ${options.machineId},
        started_at = coalesce(jobs.started_at, now()),
        -- A URL source no attempt has copied yet is fetched first; otherwise the copy or upload is downloaded.
        progress_phase = case when jobs.source_url is not null and jobs.source_fetched_at is null then 'FETCHING' else 'DOWNLOADING' end,
        progress_percent = 0,
        progress_speed = null,
        progress_eta_seconds = null,
        progress_out_time_seconds = null,
        progress_updated_at = now(),
        version = jobs.version + 1,
        updated_at = now()
      from next
      where jobs.id = next.id
      returning jobs.*
    ), event as (
      insert into job_events (job_id, type, from_status, to_status, attempt, machine_id)
      select id, 'claimed', 'QUEUED', 'RUNNING', attempts, ${options.machineId} from claimed
    )
    select claimed.*, ${notifyExpression('claimed')}, set_config('synchronous_commit', 'off', true)
    from claimed`);
  const row = rows[0];
  return row ? mapRow(jobsTable, row) : null;
}

/**
 * Hands back a claim that could not be delivered (the long poll's client hung up while it was made):
 * QUEUED again at once, the attempt undone, as if it had never been claimed.
 */
export async function returnUndeliveredClaim(db: Pick<Database, 'execute'>, lease: { jobId: string; leaseId: string }): Promise<Job | null> {
  return runTransition(db, {
    id: lease.jobId,
    event: 'returned',
    to: 'QUEUED',
    set: sql`attempts = greatest(jobs.attempts - 1, 0), lease_id = null, lease_expires_at = null, machine_id = null,
      run_after = now(), progress_phase = null, progress_percent = null`,
    where: leaseGuard(lease.leaseId),
    detail: { reason: 'the claiming worker hung up before the claim reached it' },
  });
}
