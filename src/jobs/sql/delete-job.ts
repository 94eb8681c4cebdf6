import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';

type Executor = Pick<Database, 'execute'>;

/**
 * Deletes a job's rows and leaves its tombstone, in one statement: the job row goes, and with it (by
 * ON DELETE CASCADE) its outputs, events, attempts, webhook deliveries and their attempts. The
 * tombstone (job_deletions) records that the job's files still have to go; see deleteJob for why the
 * rows go before the files. `tenantId` scopes it to one tenant (API calls); omitted for the system
 * (the maintenance loop). Returns whether a job was deleted.
 */
export async function deleteJobRows(db: Executor, job: { id: string; tenantId?: string; recheckAfterSeconds: number }): Promise<boolean> {
  const tenant = job.tenantId === undefined ? sql`` : sql` and tenant_id = ${job.tenantId}`;
  const rows = await db.execute(sql`
    with target as (
      select id from jobs where id = ${job.id}${tenant} for update
    ), tombstone as (
      insert into job_deletions (job_id, recheck_after)
      select id, now() + make_interval(secs => ${job.recheckAfterSeconds}) from target
      on conflict (job_id) do update set recheck_after = excluded.recheck_after, swept_at = null
    )
    delete from jobs using target where jobs.id = target.id returning jobs.id`);
  return rows.length > 0;
}

/**
 * Tombstones whose files need a sweep: never swept (a delete interrupted after its rows went), or due
 * for the final sweep (every URL minted before the delete has expired). Oldest first, bounded.
 */
export async function dueDeletions(db: Executor, limit: number): Promise<Array<{ jobId: string; final: boolean }>> {
  const rows = await db.execute<{ job_id: string; final: boolean }>(sql`
    select job_id, recheck_after <= now() as final from job_deletions
    where swept_at is null or recheck_after <= now()
    order by recheck_after
    limit ${limit}`);
  return rows.map((row) => ({ jobId: row.job_id, final: row.final }));
}

/** After a sweep: a final one ends the tombstone; an earlier one only records that it happened. */
export async function recordSweep(db: Executor, jobId: string, final: boolean): Promise<void> {
  await db.execute(
    final
      ? sql`delete from job_deletions where job_id = ${jobId} and recheck_after <= now()`
      : sql`update job_deletions set swept_at = now() where job_id = ${jobId}`,
  );
}

/** Whether a job row or its tombstone exists: an object of a job with neither belongs to no one. */
export async function knownJobIds(db: Executor, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const list = sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `);
  const rows = await db.execute<{ id: string }>(sql`
    select id from jobs where id in (${list})
    union select job_id from job_deletions where job_id in (${list})`);
  return new Set(rows.map((row) => row.id));
}

/**
 * Jobs the maintenance loop deletes: expired (`expires_at` passed), or AWAITING_UPLOAD whose upload
 * window closed more than `abandonedAfterSeconds` ago. Both scans use a partial index; bounded.
 */
export async function jobsToExpire(db: Executor, options: { limit: number; abandonedAfterSeconds: number }): Promise<string[]> {
  const rows = await db.execute<{ id: string }>(sql`
    (select id from jobs where expires_at is not null and expires_at <= now() order by expires_at limit ${options.limit})
    union
    (select id from jobs where status = 'AWAITING_UPLOAD'
       and upload_expires_at <= now() - make_interval(secs => ${options.abandonedAfterSeconds})
     order by upload_expires_at limit ${options.limit})`);
  return rows.map((row) => row.id);
}
