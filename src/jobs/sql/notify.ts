import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { JOB_CHANNEL, jobChangeEvent, JOB_ROUTING_KEY } from '../../db/job-notifications.js';
import { encodeBatch } from '../../db/notification-batch.js';
import type { Job } from '../../db/schema.js';

/**
 * Announces a job's change inside the transaction that makes it, so the notification exists exactly
 * when the change commits. Used for status changes, which are never coalesced; progress goes through
 * the job listener's pubsub instead (see job-listener.ts), which batches it.
 */
export async function notifyJobChanged(db: Pick<Database, 'execute'>, job: Pick<Job, 'id' | 'version' | 'status'>): Promise<void> {
  const [payload] = encodeBatch({}, [jobChangeEvent(job)]);
  await db.execute(sql`select pg_notify(${JOB_CHANNEL}, ${payload})`);
}

/**
 * The same payload as {@link notifyJobChanged}, as a select-list expression over a CTE named `alias`
 * that returns the changed job row: lets a transition, its event and its NOTIFY be one statement.
 */
export function notifyExpression(alias: string): SQL {
  const table = sql.raw(alias);
  return sql`pg_notify(${JOB_CHANNEL}, json_build_object('events', json_build_array(json_build_array(
    ${`${JOB_ROUTING_KEY}:`} || ${table}.id, json_build_object('id', ${table}.id, 'version', ${table}.version, 'status', ${table}.status))))::text)`;
}
