import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import type { Job } from '../../db/schema.js';
import { fairSeqExpression } from './fair-seq.js';
import { runTransition } from './transition.js';

/**
 * AWAITING_UPLOAD -> QUEUED (startJob, once the upload is verified): one statement with its event and
 * NOTIFY and its fair place, so a started job reaches a waiting claimer in one round trip. `tenantId` scopes it to the
 * caller's jobs (omitted only by the benchmark, which acts for the system).
 */
export async function enqueueJob(db: Pick<Database, 'execute'>, job: { tenantId?: string; id: string; sizeBytes: number }): Promise<Job | null> {
  return runTransition(db, {
    id: job.id,
    tenantId: job.tenantId,
    event: 'queued',
    to: 'QUEUED',
    // Its place in the fair queue between tenants (src/jobs/sql/fair-seq.ts), given in the same statement.
    set: sql`queued_at = now(), run_after = now(),
      fair_seq = coalesce(jobs.fair_seq, ${fairSeqExpression(sql`jobs.tenant_id`, sql`jobs.priority`)})`,
    detail: { sizeBytes: job.sizeBytes },
  });
}
