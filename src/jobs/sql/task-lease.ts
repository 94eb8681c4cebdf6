import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { mapRow } from '../../db/map-row.js';
import { executePrepared } from '../../db/prepared.js';
import { jobTasksTable, jobsTable, type Job, type JobTask } from '../../db/schema.js';
import type { Lease, LeaseOutcome } from './lease.js';

type Executor = Pick<Database, 'execute'>;

/** What a task's worker learns about its lease: the task (and its job) still its own, or not. */
export type TaskLeaseOutcome = { kind: 'ok'; task: JobTask } | { kind: 'canceled' } | { kind: 'lost' };

/**
 * The check every call with a task token makes first: the task is RUNNING under this lease (its job
 * is then RUNNING too: a job that ends ends its tasks). Doubles as the task's heartbeat. Locks only the
 * task row. `percent`, when given, is the task's progress (never decreasing within an attempt).
 */
export async function touchTaskLease(db: Executor, lease: Lease & { leaseMs: number }, percent: number | null = null): Promise<TaskLeaseOutcome> {
  const rows = await executePrepared(db, sql`
    update job_tasks set
      lease_expires_at = greatest(job_tasks.lease_expires_at, now() + make_interval(secs => ${lease.leaseMs / 1000})),
      progress_percent = greatest(coalesce(job_tasks.progress_percent, 0), coalesce(${percent}::double precision, 0))
    where job_id = ${lease.jobId} and lease_id = ${lease.leaseId} and status = 'RUNNING'
    returning job_tasks.*`);
  const row = rows[0];
  return row ? { kind: 'ok', task: mapRow(jobTasksTable, row) } : taskLeaseProblem(db, lease);
}

/**
 * Why a task-lease-guarded statement changed nothing: the job (or, when the job failed, every other
 * task) was canceled, or the lease is no longer the task's (requeued, taken by another worker).
 */
export async function taskLeaseProblem(db: Executor, lease: Lease): Promise<{ kind: 'canceled' } | { kind: 'lost' }> {
  const rows = await db.execute<{ job_status: string; task_status: string | null }>(sql`
    select jobs.status as job_status, job_tasks.status as task_status
    from jobs left join job_tasks on job_tasks.job_id = jobs.id and job_tasks.lease_id = ${lease.leaseId}
    where jobs.id = ${lease.jobId}`);
  const row = rows[0];
  return row && (row.job_status === 'CANCELED' || row.task_status === 'CANCELED') ? { kind: 'canceled' } : { kind: 'lost' };
}

/** A task outcome as the job-level outcome the routes answer with. */
export function asLeaseOutcome(outcome: TaskLeaseOutcome, job: Job | null): LeaseOutcome {
  if (outcome.kind !== 'ok') return outcome;
  return job ? { kind: 'ok', job } : { kind: 'lost' };
}

/**
 * The split job's progress from its tasks': the weighted sum of their percents (DONE counts 100), phase
 * TRANSCODING while parts run and UPLOADING during the stitch, and one ETA from the remaining weight at
 * the rate the whole job has gone since its split. Never decreasing (a retried part starts over, the
 * job's figure waits for it). A statement of its own, after the task's: it locks only the job row.
 */
export async function refreshSplitProgress(db: Executor, jobId: string): Promise<Job | null> {
  const rows = await executePrepared(db, sql`
    with tasks as (
      select
        sum(weight * least(100, case when status = 'DONE' then 100 else coalesce(progress_percent, 0) end)) / nullif(sum(weight), 0) as percent,
        bool_or(kind = 'STITCH' and status = 'RUNNING') as stitching,
        greatest(extract(epoch from now() - min(created_at)), 0.001) as elapsed
      from job_tasks where job_id = ${jobId}
    )
    update jobs set
      progress_phase = case when tasks.stitching then 'UPLOADING' else 'TRANSCODING' end,
      progress_percent = greatest(coalesce(jobs.progress_percent, 0), least(99.9, coalesce(tasks.percent, 0))),
      progress_eta_seconds = case when coalesce(tasks.percent, 0) > 0
        then tasks.elapsed * (100 - least(100, tasks.percent)) / tasks.percent end,
      progress_speed = null,
      progress_out_time_seconds = null,
      progress_updated_at = now(),
      version = jobs.version + 1,
      updated_at = now()
    from tasks
    where jobs.id = ${jobId} and jobs.status = 'RUNNING'
    returning jobs.*`);
  const row = rows[0];
  return row ? mapRow(jobsTable, row) : null;
}
