import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { mapRow } from '../../db/map-row.js';
import { executePrepared } from '../../db/prepared.js';
import { jobTasksTable, jobsTable, type Job, type JobTask } from '../../db/schema.js';

/**
 * Claims the next QUEUED task of a split job (issue 18): asked before any whole job, so workers finish
 * the parts of a job already running before they start another ("a split job finishes early rather than
 * all jobs finishing late"). The oldest split first, then its parts 1..N, then its AUDIO (still before
 * another job's work), and the STITCH once it is QUEUED (it waits, WAITING, until every other task is DONE).
 * Parts before the audio: the parts are the critical path (a part on each machine, the planner's machine
 * first, which keeps the source it downloaded), and the audio is short; claimed first it held one
 * machine while a part waited for it (measured by bench:split).
 *
 * One statement over job_tasks_claim_idx (partial on QUEUED: only the few queued tasks of running split
 * jobs, so the AUDIO-last sort on top of the index order costs nothing): with no split job running the
 * index is empty and the claim costs one probe. It locks only the task row (the job row is
 * written by {@link noteTaskClaim}, a separate statement): no statement holds a task row while waiting
 * for its job's row, so nothing deadlocks with a cancel (which locks the job, then its tasks).
 * A task's row only stays QUEUED while its job is RUNNING (the jobs_end_split_tasks trigger ends them).
 */
export async function claimNextTask(db: Pick<Database, 'execute'>, options: { machineId: string | null; leaseMs: number }): Promise<JobTask | null> {
  const rows = await executePrepared(db, sql`
    with next as (
      select id from job_tasks
      where status = 'QUEUED' and run_after <= now()
      order by created_at, job_id, (kind = 'AUDIO'), position
      limit 1
      for update skip locked
    )
    update job_tasks set
      status = 'RUNNING',
      attempts = job_tasks.attempts + 1,
      lease_id = gen_random_uuid(),
      lease_expires_at = now() + make_interval(secs => ${options.leaseMs / 1000}),
      machine_id = ${options.machineId},
      progress_percent = 0,
      started_at = coalesce(job_tasks.started_at, now()),
      updated_at = now()
    from next
    where job_tasks.id = next.id
    returning job_tasks.*`);
  const row = rows[0];
  return row ? mapRow(jobTasksTable, row) : null;
}

/**
 * The job's side of a task claim: `machineId` is the latest claim's, and a task's claim beyond its
 * first counts as one more attempt of the job (so a job whose part 2 was retried once shows 2). Null
 * when the job is no longer RUNNING (canceled in the meantime; the trigger has ended the task too).
 */
export async function noteTaskClaim(db: Pick<Database, 'execute'>, task: JobTask): Promise<Job | null> {
  const rows = await executePrepared(db, sql`
    update jobs set
      machine_id = ${task.machineId},
      attempts = jobs.attempts + ${task.attempts > 1 ? 1 : 0}::int,
      version = jobs.version + 1,
      updated_at = now()
    where id = ${task.jobId} and status = 'RUNNING'
    returning jobs.*`);
  const row = rows[0];
  return row ? mapRow(jobsTable, row) : null;
}

/**
 * Hands back a task claim that was not delivered (the client hung up) or a task its worker released
 * (shutdown): QUEUED again at once, the attempt undone (on the job too, if it had counted there).
 * Returns false when the lease was no longer the task's.
 */
export async function requeueTaskUncounted(db: Pick<Database, 'execute'>, lease: { jobId: string; leaseId: string }): Promise<boolean> {
  const rows = await db.execute<{ counted: boolean }>(sql`
    update job_tasks set
      status = 'QUEUED', attempts = greatest(job_tasks.attempts - 1, 0), lease_id = null, lease_expires_at = null,
      run_after = now(), progress_percent = 0, updated_at = now()
    where job_id = ${lease.jobId} and lease_id = ${lease.leaseId} and status = 'RUNNING'
    returning job_tasks.attempts >= 1 as counted`);
  const row = rows[0];
  if (!row) return false;
  // A second statement (never both rows in one): the job's count of retries goes back down.
  if (row.counted) await db.execute(sql`update jobs set attempts = greatest(jobs.attempts - 1, 0) where id = ${lease.jobId} and status = 'RUNNING'`);
  return true;
}
