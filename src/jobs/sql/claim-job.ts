import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { mapRow } from '../../db/map-row.js';
import { executePrepared } from '../../db/prepared.js';
import { jobsTable, type Job } from '../../db/schema.js';
import { notifyExpression } from './notify.js';
import { leaseGuard, runTransition } from './transition.js';

/**
 * Claims the next runnable job, fairly between tenants: the highest priority first, whoever queued
 * it; within a priority, the job with the smallest fair place (`fair_seq`, given when it was queued:
 * src/jobs/sql/fair-seq.ts), so tenants' queues interleave and a tenant's one job waits about one
 * claim per worker behind another tenant's backlog; within a tenant, the order it queued in. A tenant
 * at `tenantMaxRunning` RUNNING jobs is passed over.
 *
 * Why this shape (one statement, one round trip, as before fair sharing):
 * - The fairness is decided at enqueue, so the claim is a plain walk of jobs_claim_idx, whose order
 *   (`priority desc, fair_seq, created_at, id`, partial on QUEUED) is exactly the ORDER BY: the first
 *   runnable row it meets is taken with FOR UPDATE SKIP LOCKED, LIMIT 1 (locked rows are skipped, not
 *   counted). As cheap as the claim before fair sharing. The first fair design ranked tenants here, at
 *   claim time (a skip scan of the (priority, tenant) pairs and each tenant's latest start): correct,
 *   but 2-6 times fewer claims/s.
 * - `run_after` (retry backoff) is a filter on that walk: a job waiting out its backoff is passed.
 * - With `tenantMaxRunning` set, a second statement (so the uncapped claim pays nothing) passes over
 *   candidates whose tenant already has that many RUNNING (a count stopped at the cap, over
 *   jobs_tenant_running_idx). It reads the count in its own snapshot: claims of one tenant racing in
 *   the same instant can each take its last free slot, so the cap may be overshot by at most the
 *   number of concurrent claimers minus one, until those jobs end. A capped tenant's backlog at the
 *   head of the index is walked (and counted) on each claim: the price of the cap, paid only with it.
 * The commit is asynchronous (`synchronous_commit` off for this transaction only): if PostgreSQL
 * crashed before flushing it, the job would simply still be QUEUED, and the worker's first report
 * would be refused as "lost" — safe, and it saves a disk flush on the hot path.
 */
export async function claimNextJob(
  db: Pick<Database, 'execute'>,
  options: { machineId: string | null; leaseMs: number; tenantMaxRunning?: number | null },
): Promise<Job | null> {
  const cap = options.tenantMaxRunning ?? null;
  const capped = cap === null ? sql`` : sql` and (
          select count(*) from (
            select 1 from jobs running where running.tenant_id = jobs.tenant_id and running.status = 'RUNNING' limit ${cap}::int
          ) at_most_cap
        ) < ${cap}::int`;
  const rows = await executePrepared(db, sql`
    with next as (
      select id from jobs
      where status = 'QUEUED' and run_after <= now()${capped}
      order by priority desc nulls last, fair_seq, created_at, id
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
