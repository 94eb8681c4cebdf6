import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { jobsTable } from '../../db/schema.js';
import { leaseProblem, type Lease, type LeaseOutcome } from './lease.js';

/**
 * Records the store's copy of a URL source, made by the worker of the current lease: its key and size,
 * and when it arrived. From then on every attempt downloads the copy and none fetches the URL again.
 * Not a status change: the job stays RUNNING (the listener announces it like progress).
 */
export async function recordSourceCopy(
  db: Database,
  lease: Lease & { leaseMs: number },
  copy: { key: string; sizeBytes: number },
): Promise<LeaseOutcome> {
  const [job] = await db
    .update(jobsTable)
    .set({
      sourceKey: copy.key,
      sourceSizeBytes: copy.sizeBytes,
      sourceFetchedAt: sql`now()`,
      leaseExpiresAt: sql`now() + make_interval(secs => ${lease.leaseMs / 1000})`,
      version: sql`${jobsTable.version} + 1`,
      updatedAt: sql`now()`,
    })
    .where(and(eq(jobsTable.id, lease.jobId), eq(jobsTable.leaseId, lease.leaseId), eq(jobsTable.status, 'RUNNING')))
    .returning();
  return job ? { kind: 'ok', job } : leaseProblem(db, lease);
}
