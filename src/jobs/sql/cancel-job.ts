import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import type { Job } from '../../db/schema.js';
import { runTransition } from './transition.js';

/**
 * Any non-terminal status -> CANCELED, in one statement. A running worker learns it at its next call
 * (every worker call checks the job is still RUNNING under its lease). `tenantId` omitted: the system
 * (deleting an expired job) cancels any tenant's.
 */
export async function cancelJobRow(db: Pick<Database, 'execute'>, job: { tenantId?: string; id: string }): Promise<Job | null> {
  return runTransition(db, {
    id: job.id,
    tenantId: job.tenantId,
    event: 'canceled',
    to: 'CANCELED',
    set: sql`finished_at = now(), lease_expires_at = null`,
  });
}
