import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';

/** Rows one trimming statement deletes at most: each holds its row locks for a moment only. */
export const TRIM_BATCH_ROWS = 1_000;

type Executor = Pick<Database, 'execute'>;

/**
 * Deletes one batch of events of finished jobs older than the horizon. The batch is picked by primary
 * key order (old events come first, so the scan stops early) and `SKIP LOCKED`, so the statement
 * never waits on, nor blocks for long, anything else; a backlog goes in many short statements.
 * Returns how many rows went.
 */
export async function trimJobEvents(db: Executor, options: { olderThanSeconds: number; limit?: number }): Promise<number> {
  const rows = await db.execute(sql`
    with doomed as (
      select e.id from job_events e
      join jobs j on j.id = e.job_id
      where e.created_at < now() - make_interval(secs => ${options.olderThanSeconds})
        and j.status in ('COMPLETED', 'FAILED', 'CANCELED')
      order by e.id
      limit ${options.limit ?? TRIM_BATCH_ROWS}
      for update of e skip locked
    )
    delete from job_events where id in (select id from doomed) returning 1`);
  return rows.length;
}

/** Deletes one batch of webhook attempts older than the horizon whose delivery is over (delivered or failed). */
export async function trimWebhookAttempts(db: Executor, options: { olderThanSeconds: number; limit?: number }): Promise<number> {
  const rows = await db.execute(sql`
    with doomed as (
      select a.id from webhook_attempts a
      join webhook_deliveries d on d.id = a.delivery_id
      where a.attempted_at < now() - make_interval(secs => ${options.olderThanSeconds})
        and d.status <> 'PENDING'
      order by a.id
      limit ${options.limit ?? TRIM_BATCH_ROWS}
      for update of a skip locked
    )
    delete from webhook_attempts where id in (select id from doomed) returning 1`);
  return rows.length;
}
