import type { SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import type { Job } from '../../db/schema.js';
import { jobChangedNotification, jobChangedNotifyExpression } from '../../realtime/job-notifications.js';

/**
 * Announces a job's change inside the transaction that makes it, so the notification exists exactly
 * when the change commits. Used for status changes, which are never coalesced; progress goes through
 * the job listener's pubsub instead (see src/realtime/job-listener.ts), which batches it. The payload
 * is the realtime module's.
 */
export async function notifyJobChanged(db: Pick<Database, 'execute'>, job: Pick<Job, 'id' | 'version' | 'status'>): Promise<void> {
  await db.execute(jobChangedNotification(job));
}

/** The same notification as a select-list expression over the CTE `alias` (see {@link jobChangedNotifyExpression}). */
export function notifyExpression(alias: string): SQL {
  return jobChangedNotifyExpression(alias);
}
