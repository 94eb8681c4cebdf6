import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { mapRow } from '../../db/map-row.js';
import { executePrepared } from '../../db/prepared.js';
import { jobsTable, type Job } from '../../db/schema.js';
import { notifyExpression } from './notify.js';
import { leaseGuard, runTransition } from './transition.js';

/**
 * Claims the next runnable job, fairly between tenants: the highest priority first, whoever queued
 * it; among tenants with queued jobs of that priority, the one whose latest job start is oldest (never
 * started counts as oldest), so one tenant's backlog delays another tenant's job by about one claim;
 * within the tenant, oldest first. A tenant at `tenantMaxRunning` RUNNING jobs is passed over.
 *
 * Why this shape (one statement, one round trip, as before):
 * - `groups` walks the distinct (priority, tenant) pairs of QUEUED jobs by skipping through
 *   jobs_claim_idx (a "loose index scan": one index probe per pair, not a read of every queued job).
 * - `ranked` orders those few pairs by priority, then by when the tenant last had a job started
 *   (`max(started_at)`, one probe of jobs_tenant_started_idx per pair). Read from the jobs rather than
 *   kept in a table of its own: a per-tenant row written by every claim made a busy tenant's claims
 *   queue on that row's lock (a third fewer claims/s with one tenant and 8-16 claimers). A retried
 *   job keeps its first `started_at`, so a retry's claim does not count as a turn: a small favour to
 *   that tenant, never a starvation of another.
 * - `next` takes, pair by pair in that order, the pair's oldest runnable job with FOR UPDATE SKIP
 *   LOCKED, and stops at the first it gets: the lateral subquery is re-scanned per pair by a nested
 *   loop, which keeps the order of `ranked`, and the outer LIMIT stops the loop, so at most one row
 *   is locked. The inner LIMIT 1 sits above the row locking (locked rows are skipped, not counted)
 *   and tells the planner to walk jobs_claim_idx rather than sort the tenant's whole queue. A pair
 *   whose jobs are all locked by concurrent claimers is passed, as SKIP LOCKED did.
 * Claims in flight at the same instant rank tenants from the same snapshot, so they may all serve
 * the same tenant (different jobs); the next claims see those starts and turn to the others. The
 * running count for `tenantMaxRunning` is read in that snapshot too: claims of one tenant racing in
 * the same instant can each take its last free slot (overshoot bounded by the concurrent claimers).
 * The commit is asynchronous (`synchronous_commit` off for this transaction only): if PostgreSQL
 * crashed before flushing it, the job would simply still be QUEUED, and the worker's first report
 * would be refused as "lost" — safe, and it saves a disk flush on the hot path.
 */
export async function claimNextJob(
  db: Pick<Database, 'execute'>,
  options: { machineId: string | null; leaseMs: number; tenantMaxRunning?: number | null },
): Promise<Job | null> {
  const cap = options.tenantMaxRunning ?? null;
  const rows = await executePrepared(db, sql`
    with recursive groups (priority, tenant_id) as (
      (select priority, tenant_id from jobs where status = 'QUEUED'
        order by priority desc, tenant_id limit 1)
      union all
      select following.priority, following.tenant_id from groups cross join lateral (
        (select priority, tenant_id from jobs
          where status = 'QUEUED' and priority = groups.priority and tenant_id > groups.tenant_id
          order by priority desc, tenant_id limit 1)
        union all
        (select priority, tenant_id from jobs
          where status = 'QUEUED' and priority < groups.priority
          order by priority desc, tenant_id limit 1)
        limit 1
      ) following
    ), ranked as materialized (
      select groups.priority, groups.tenant_id,
        (select served.started_at from jobs served
          where served.tenant_id = groups.tenant_id and served.started_at is not null
          order by served.started_at desc limit 1) as last_started_at
      from groups
      where ${cap}::int is null or (
        select count(*) from (
          select 1 from jobs where jobs.tenant_id = groups.tenant_id and jobs.status = 'RUNNING' limit ${cap}::int
        ) running
      ) < ${cap}::int
      order by groups.priority desc, last_started_at nulls first, groups.tenant_id
    ), next as (
      select job.id from ranked cross join lateral (
        select id from jobs
        where status = 'QUEUED' and priority = ranked.priority and tenant_id = ranked.tenant_id and run_after <= now()
        order by priority desc, tenant_id, created_at, id
        limit 1
        for update skip locked
      ) job
      limit 1
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
