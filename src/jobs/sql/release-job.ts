import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { leaseProblem, type Lease, type LeaseOutcome } from './lease.js';
import { leaseGuard, runTransition } from './transition.js';

/** A worker shutting down hands its job back: QUEUED again at once, and the attempt does not count. */
export async function releaseJob(db: Database, lease: Lease, reason: string): Promise<LeaseOutcome> {
  const job = await runTransition(db, {
    id: lease.jobId,
    event: 'released',
    to: 'QUEUED',
    set: sql`attempts = greatest(jobs.attempts - 1, 0), lease_id = null, lease_expires_at = null, run_after = now(),
      progress_phase = null, progress_percent = null`,
    where: leaseGuard(lease.leaseId),
    detail: { reason },
  });
  return job ? { kind: 'ok', job } : leaseProblem(db, lease);
}
