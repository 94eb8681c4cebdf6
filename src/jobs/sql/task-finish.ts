import { sql, type SQL } from 'drizzle-orm';
import { isRetryableFailure } from '../../../protocol/failure-codes.js';
import type { Database } from '../../db/client.js';
import type { Job, TaskFile } from '../../db/schema.js';
import type { Failure } from './fail-job.js';
import type { Lease } from './lease.js';
import { taskLeaseProblem } from './task-lease.js';
import { runTransition } from './transition.js';

type Executor = Pick<Database, 'execute'>;

/** A task call's result: done, or the task (or its job) is no longer the caller's. */
export type TaskCallOutcome = { kind: 'ok'; job: Job | null } | { kind: 'canceled' } | { kind: 'lost' };

/** The guard of a job statement made for a task's worker: the task is RUNNING under this lease. */
export function taskLeaseGuard(leaseId: string, kind: SQL = sql`true`): SQL {
  return sql`exists (select 1 from job_tasks where job_tasks.job_id = jobs.id and job_tasks.lease_id = ${leaseId} and job_tasks.status = 'RUNNING' and ${kind})`;
}

/** Exponential backoff with jitter for a task's retry: {@link retryBackoffSql}'s policy, on the task's attempts. */
function taskBackoffSql(retryBaseMs: number): SQL {
  return sql`make_interval(secs => least(300000, ${retryBaseMs}::double precision * power(2, greatest(job_tasks.attempts - 1, 0)) * (0.5 + random())) / 1000.0)`;
}

/**
 * A VIDEO_PART or AUDIO task is done (task-complete): DONE with what it reported, and when it was the
 * last of them, the stitch becomes QUEUED. One transaction that locks the job row first, so two last
 * tasks finishing at once cannot each miss the other (the second waits, then sees the first's DONE).
 * Returns whether the stitch became claimable.
 */
export async function completeTask(
  db: Database,
  lease: Lease,
  report: { files: TaskFile[]; outputs: unknown[]; notices: string[] },
): Promise<{ kind: 'ok'; stitchQueued: boolean } | { kind: 'canceled' } | { kind: 'lost' }> {
  const result = await db.transaction(async (tx) => {
    const locked = await tx.execute(sql`select id from jobs where id = ${lease.jobId} and status = 'RUNNING' for update`);
    if (locked.length === 0) return null;
    const done = await tx.execute(sql`
      update job_tasks set status = 'DONE', files = ${JSON.stringify(report.files)}::jsonb, outputs = ${JSON.stringify(report.outputs)}::jsonb,
        notices = ${JSON.stringify(report.notices)}::jsonb, progress_percent = 100, lease_expires_at = null, finished_at = now(), updated_at = now()
      where job_id = ${lease.jobId} and lease_id = ${lease.leaseId} and status = 'RUNNING' and kind <> 'STITCH'
      returning id`);
    if (done.length === 0) return null;
    const stitch = await tx.execute(sql`
      update job_tasks set status = 'QUEUED', run_after = now(), updated_at = now()
      where job_id = ${lease.jobId} and kind = 'STITCH' and status = 'WAITING'
        and not exists (select 1 from job_tasks other where other.job_id = ${lease.jobId} and other.kind <> 'STITCH' and other.status <> 'DONE')
      returning id`);
    return { stitchQueued: stitch.length > 0 };
  });
  return result ? { kind: 'ok', ...result } : taskLeaseProblem(db, lease);
}

/**
 * A task's failure report. Retryable with attempts left: that task alone QUEUED again with a backoff
 * (the other tasks, DONE or running, are untouched). Otherwise the job FAILED with the code (one job
 * statement guarded by the task's lease; the trigger cancels every other task), and the task FAILED.
 */
export async function failTask(db: Database, lease: Lease, failure: Failure, options: { maxAttempts: number; retryBaseMs: number }): Promise<TaskCallOutcome> {
  if (isRetryableFailure(failure.code)) {
    const retried = await db.execute(sql`
      with retried as (
        update job_tasks set status = 'QUEUED', lease_id = null, lease_expires_at = null, progress_percent = 0,
          run_after = now() + ${taskBackoffSql(options.retryBaseMs)}, updated_at = now()
        where job_id = ${lease.jobId} and lease_id = ${lease.leaseId} and status = 'RUNNING' and attempts < ${options.maxAttempts}
        returning job_id, kind, index, attempts, machine_id
      )
      insert into job_events (job_id, type, from_status, to_status, attempt, machine_id, detail)
      select job_id, 'task_retry', 'RUNNING', 'RUNNING', attempts, machine_id,
        jsonb_build_object('kind', kind, 'index', index, 'code', ${failure.code}::text, 'message', ${failure.message}::text)
      from retried
      returning job_id`);
    if (retried.length > 0) return { kind: 'ok', job: null };
  }
  return failJobForTask(db, lease, failure);
}

/** The job FAILED because one of its tasks failed for good (a permanent failure, or attempts spent). */
export async function failJobForTask(db: Database, lease: Lease, failure: Failure, guard: SQL = taskLeaseGuard(lease.leaseId)): Promise<TaskCallOutcome> {
  const job = await db.transaction(async (tx) => {
    const failed = await runTransition(tx, {
      id: lease.jobId,
      event: 'failed',
      to: 'FAILED',
      set: sql`error_code = ${failure.code}, error_message = ${failure.message}, error_detail = ${failure.detail},
        finished_at = now(), lease_expires_at = null`,
      where: guard,
      detail: { code: failure.code, message: failure.message, leaseId: lease.leaseId },
    });
    // The trigger canceled every open task, this one too: this one is the one that failed.
    if (failed) await tx.execute(sql`update job_tasks set status = 'FAILED' where job_id = ${lease.jobId} and lease_id = ${lease.leaseId}`);
    return failed;
  });
  return job ? { kind: 'ok', job } : taskLeaseProblem(db, lease);
}

/**
 * The lease reaper's part for tasks: a RUNNING task whose lease expired goes back to QUEUED alone, with
 * a backoff (the attempt counts); one whose attempts are spent fails its job with WORKER_LOST. Returns
 * the tasks' jobs and the machines they were lost on.
 */
export async function requeueExpiredTasks(db: Database, options: { maxAttempts: number; retryBaseMs: number; limit?: number }): Promise<Array<{ jobId: string; machineId: string | null }>> {
  const requeued = await db.execute<{ job_id: string; machine_id: string | null }>(sql`
    with expired as (
      select id from job_tasks
      where status = 'RUNNING' and lease_expires_at <= now() and attempts < ${options.maxAttempts}
      limit ${options.limit ?? 100}
      for update skip locked
    ), changed as (
      update job_tasks set status = 'QUEUED', lease_id = null, lease_expires_at = null, progress_percent = 0,
        run_after = now() + ${taskBackoffSql(options.retryBaseMs)}, updated_at = now()
      from expired where job_tasks.id = expired.id
      returning job_tasks.job_id, job_tasks.kind, job_tasks.index, job_tasks.attempts, job_tasks.machine_id
    ), event as (
      insert into job_events (job_id, type, from_status, to_status, attempt, machine_id, detail)
      select job_id, 'task_lease_expired', 'RUNNING', 'RUNNING', attempts, machine_id, jsonb_build_object('kind', kind, 'index', index) from changed
    )
    select job_id, machine_id from changed`);
  const lost = requeued.map((row) => ({ jobId: row.job_id, machineId: row.machine_id }));
  // Spent: the job fails, job row first (the trigger then ends its tasks), guarded by the expired lease.
  const spent = await db.execute<{ job_id: string; lease_id: string; machine_id: string | null }>(sql`
    select job_id, lease_id, machine_id from job_tasks
    where status = 'RUNNING' and lease_expires_at <= now() and attempts >= ${options.maxAttempts}
    limit ${options.limit ?? 100}`);
  for (const task of spent) {
    const outcome = await failJobForTask(
      db,
      { jobId: task.job_id, leaseId: task.lease_id },
      { code: 'WORKER_LOST', message: `The worker of a part stopped reporting ${options.maxAttempts} times; giving up`, detail: null },
      sql`${taskLeaseGuard(task.lease_id)} and exists (select 1 from job_tasks where job_tasks.lease_id = ${task.lease_id} and job_tasks.lease_expires_at <= now())`,
    );
    if (outcome.kind === 'ok') lost.push({ jobId: task.job_id, machineId: task.machine_id });
  }
  return lost;
}
