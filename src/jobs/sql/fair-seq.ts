import { sql, type SQL } from 'drizzle-orm';

/**
 * The place a job takes in the fair queue when it is first QUEUED (start-time fair queuing): the
 * ordering between tenants is decided here, at enqueue, so the claim stays a plain walk of
 * jobs_claim_idx (`priority desc, fair_seq, created_at, id`).
 *
 * `fair_seq = greatest(head, tenant's last queued place + 1)`, both within the job's priority:
 * - `head` is how far claims of that priority have got: the largest place of a job of that priority
 *   that has left QUEUED (one probe of jobs_claimed_seq_idx). Claims take places in order, so it is
 *   the place of about the latest claim. Not the smallest queued place: a job waiting out a long retry
 *   backoff would pin that far back, and a newcomer's whole backlog would then go before everyone.
 *   When nothing of that priority was ever claimed (or those jobs are deleted), the smallest queued
 *   place of that priority (one probe of jobs_claim_idx), else 0.
 * - the tenant's last queued place (one probe of jobs_tenant_queued_seq_idx) puts a tenant's second
 *   job behind everyone else's next one: tenant A queueing 50 gets head..head+49, tenant B arriving
 *   later with one job gets `head`, and is claimed within about one claim per worker.
 * Retries (failure, lease expiry, release) keep the place they had: they go back where they were.
 * Two enqueues of one tenant in the same instant read the same snapshot and may take the same place:
 * harmless, the tie is broken by `created_at, id` as within one tenant.
 *
 * @param tenantId the job's tenant (an SQL expression: the row's column, or a bound value)
 * @param priority the job's priority (likewise)
 */
export function fairSeqExpression(tenantId: SQL, priority: SQL): SQL {
  return sql`greatest(
    coalesce(
      (select placed.fair_seq from jobs placed
        where placed.status <> 'QUEUED' and placed.fair_seq is not null and placed.priority = ${priority}
        order by placed.fair_seq desc limit 1),
      (select placed.fair_seq from jobs placed
        where placed.status = 'QUEUED' and placed.priority = ${priority}
        order by placed.priority desc nulls last, placed.fair_seq limit 1),
      0),
    coalesce(
      (select placed.fair_seq + 1 from jobs placed
        where placed.status = 'QUEUED' and placed.tenant_id = ${tenantId} and placed.priority = ${priority} and placed.fair_seq is not null
        order by placed.fair_seq desc limit 1),
      0))`;
}
