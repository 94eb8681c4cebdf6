import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { mapRow } from '../../db/map-row.js';
import { executePrepared } from '../../db/prepared.js';
import { jobsTable, type Job, type JobStatus } from '../../db/schema.js';
import { fromStatuses, type TransitionEvent } from '../transitions.js';
import { notifyExpression } from './notify.js';

type Executor = Pick<Database, 'execute'>;

export interface TransitionStatement {
  id: string;
  /** Only this tenant's job (API calls); omitted for the system (workers, the reaper). */
  tenantId?: string;
  /** The event of {@link JOB_TRANSITIONS}; its `from` statuses guard the UPDATE. */
  event: TransitionEvent;
  /** The new status: a status, or an SQL expression choosing between the event's `to` statuses. */
  to: JobStatus | SQL;
  /** Further `column = value` assignments (raw column names), comma-separated. */
  set?: SQL;
  /** A further guard, e.g. the lease the worker's call carries (`jobs.lease_id = ...`). */
  where?: SQL;
  detail?: Record<string, unknown> | null;
  /**
   * Further CTEs (`, name as (...)`) run in the same statement after the change, e.g. writes of rows
   * that belong to the job (`from changed` makes them happen only when the change did). Its text
   * must be fixed for a given caller, so the statement stays prepared.
   */
  also?: SQL;
  /**
   * Commit without waiting for the WAL flush (this transaction only). Only for changes whose loss in
   * a database crash is harmless because the state before them is safe to resume from (a claim).
   */
  asyncCommit?: boolean;
}

/**
 * One status change as ONE statement: lock the row, `UPDATE ... WHERE status = ANY(from)` with its
 * guard, insert the event and NOTIFY, all as CTEs of a single round trip (no BEGIN/COMMIT pair).
 * Returns the changed job, or null when the job was not in an allowed status (or not the tenant's,
 * or the guard did not hold).
 */
export async function runTransition(db: Executor, statement: TransitionStatement): Promise<Job | null> {
  const from = fromStatuses(statement.event) as readonly JobStatus[];
  const tenant = statement.tenantId === undefined ? sql`` : sql` and tenant_id = ${statement.tenantId}`;
  const guard = statement.where ? sql` and ${statement.where}` : sql``;
  const set = statement.set ? sql`, ${statement.set}` : sql``;
  const to = typeof statement.to === 'string' ? sql`${statement.to}` : statement.to;
  const detail = statement.detail ? JSON.stringify(statement.detail) : null;
  const rows = await executePrepared(db, sql`
    with previous as (
      select id, status from jobs where id = ${statement.id}${tenant} for update
    ), changed as (
      update jobs set status = ${to}${set}, version = jobs.version + 1, updated_at = now()
      from previous
      where jobs.id = previous.id and jobs.status in (${sql.join(from.map((status) => sql`${status}`), sql`, `)})${guard}
      returning jobs.*, previous.status as from_status
    ), event as (
      insert into job_events (job_id, type, from_status, to_status, attempt, machine_id, detail)
      select id, ${statement.event}, from_status, status, attempts, machine_id, ${detail}::jsonb from changed
    )${statement.also ?? sql``}
    select changed.*, ${notifyExpression('changed')}${statement.asyncCommit ? sql`, set_config('synchronous_commit', 'off', true)` : sql``}
    from changed`);
  const row = rows[0];
  return row ? mapRow(jobsTable, row) : null;
}

/** The lease guard of every worker call: the job is RUNNING (the event's `from`) under this lease. */
export function leaseGuard(leaseId: string): SQL {
  return sql`jobs.lease_id = ${leaseId}`;
}
